// `completion bash|zsh`. Both scripts ask the binary itself (yargs' --get-yargs-completions), so they never go stale.
import type { Argv, CommandModule } from "yargs";
import type { Io } from "../io.ts";

export function completionScript(shell: "bash" | "zsh"): string {
  if (shell === "zsh") {
    return `#compdef kubectl-guardian
###-begin-kubectl-guardian-completions-###
_kubectl_guardian() {
  local -a reply
  local si=$IFS
  IFS=$'\\n' reply=($(kubectl-guardian --get-yargs-completions "\${words[@]}"))
  IFS=$si
  _describe 'values' reply
}
compdef _kubectl_guardian kubectl-guardian
###-end-kubectl-guardian-completions-###
`;
  }
  return `###-begin-kubectl-guardian-completions-###
_kubectl_guardian() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  local IFS=$'\\n'
  COMPREPLY=($(compgen -W "$(kubectl-guardian --get-yargs-completions "\${COMP_WORDS[@]}")" -- "$cur"))
}
complete -o default -F _kubectl_guardian kubectl-guardian
###-end-kubectl-guardian-completions-###
`;
}

/** kubectl (1.26+) completes plugin arguments by running kubectl_complete-<plugin>; cobra's protocol ends with :<directive>. */
export const KUBECTL_COMPLETE_SCRIPT = `#!/usr/bin/env sh
# Installed beside kubectl-guardian so that 'kubectl guardian <TAB>' completes.
kubectl-guardian --get-yargs-completions kubectl-guardian "$@"
echo :4
`;

const builder = (y: Argv) => y.positional("shell", { choices: ["bash", "zsh"] as const, demandOption: true, describe: "Shell" });
type CompletionArgv = ReturnType<typeof builder> extends Argv<infer T> ? T : never;

export const completionCommand = (io: Io): CommandModule<object, CompletionArgv> => ({
  command: "completion <shell>",
  describe: "Print a shell completion script (bash or zsh)",
  builder,
  handler: (args) => {
    io.stdout.write(completionScript(args.shell));
  },
});
