// What a broken or hostile source might put in a field, for the fuzz tests of each input.
import fc from "fast-check";

/** Any JSON-ish value: scalars, short and `longest`-long strings, small objects; plus the source's own `specials`. */
export function junk(longest: number, ...specials: fc.Arbitrary<unknown>[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constant(null),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.string({ maxLength: 20 }),
    fc.string({ minLength: 5000, maxLength: longest }),
    ...specials,
    fc.object({ maxDepth: 1 }),
  );
}
