// ink imports react-devtools-core only in development; the binary never connects to devtools.
export default { initialize() {}, connectToDevTools() {} };
export function initialize() {}
export function connectToDevTools() {}
