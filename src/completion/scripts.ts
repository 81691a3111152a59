/** Shell glue that asks `kubectl-secrets __complete <words>` for candidates (cobra's protocol). */
export const COMPLETION_SCRIPTS: Record<'bash' | 'zsh' | 'fish', string> = {
  bash: `# kubectl-secrets bash completion: source <(kubectl-secrets completion bash)
_kubectl_secrets() {
  local IFS=$'\\n' out directive word cur=\${COMP_WORDS[COMP_CWORD]}
  out=$(kubectl-secrets __complete "\${COMP_WORDS[@]:1:$COMP_CWORD}" 2>/dev/null) || return
  directive=\${out##*:}
  # not compgen -W, which expands $(...) and backquotes in the candidates (kubeconfig names are anyone's text)
  COMPREPLY=()
  while IFS= read -r word; do
    [[ $word == "$cur"* ]] || continue
    # bash inserts a reply as it is: quoted, so that the line it completes runs nothing when Enter is pressed
    [[ $word == *[!A-Za-z0-9_@%+=:,./-]* ]] && printf -v word '%q' "$word"
    COMPREPLY+=("$word")
  done < <(printf '%s\\n' "$out" | sed '$d' | cut -f1)
  if [[ \${#COMPREPLY[@]} -eq 0 && "$directive" == 0 ]]; then
    COMPREPLY=($(compgen -f -- "\${COMP_WORDS[COMP_CWORD]}"))
  fi
}
complete -F _kubectl_secrets kubectl-secrets
`,
  zsh: `#compdef kubectl-secrets
# kubectl-secrets zsh completion: source <(kubectl-secrets completion zsh)
_kubectl_secrets() {
  local -a lines
  lines=("\${(@f)$(kubectl-secrets __complete "\${words[@]:1:$((CURRENT-1))}" 2>/dev/null)}")
  local directive=\${lines[-1]#:}
  lines=("\${(@)lines[1,-2]}")
  if (( \${#lines} == 0 )) && [[ "$directive" == 0 ]]; then _files; return; fi
  compadd -- "\${(@)lines%%$'\\t'*}"
}
compdef _kubectl_secrets kubectl-secrets
`,
  fish: `# kubectl-secrets fish completion: kubectl-secrets completion fish | source
function __kubectl_secrets_complete
    set -l words (commandline -opc) (commandline -ct)
    kubectl-secrets __complete $words[2..-1] 2>/dev/null | string match -v -r '^:'
end
complete -c kubectl-secrets -f -a '(__kubectl_secrets_complete)'
`,
};
