/** Shell glue that asks `kubectl-secrets __complete <words>` for candidates (cobra's protocol). */
export const COMPLETION_SCRIPTS: Record<'bash' | 'zsh' | 'fish', string> = {
  bash: `# kubectl-secrets bash completion: source <(kubectl-secrets completion bash)
_kubectl_secrets() {
  local IFS=$'\\n' out directive word cur typed rest i pos=0 line=\${COMP_LINE:0:COMP_POINT}
  local -a words=()
  # bash splits words at = : and @ too (COMP_WORDBREAKS): join those typed with no space between, so that
  # --context=arn:aws:eks:... and user@cluster are asked about whole, as kubectl's own script does
  for ((i = 0; i <= COMP_CWORD; i++)); do
    word=\${COMP_WORDS[i]}
    rest=\${line:pos}
    if ((i > 0)) && [[ -n $line && $rest != [[:space:]]* ]]; then
      words[\${#words[@]}-1]+=$word
    else
      words+=("$word")
    fi
    rest=\${rest#"\${rest%%[![:space:]]*}"}
    pos=$((\${#line} - \${#rest} + \${#word}))
  done
  cur=\${words[\${#words[@]}-1]}
  # bash replaces only the text after the last of those breaks (an @ with it): each reply is what follows that
  typed=\${COMP_WORDS[COMP_CWORD]}
  if [[ $typed == *[!=:@]* ]]; then
    [[ $cur == *"@$typed" && \${COMP_WORDS[COMP_CWORD-1]} == *@ ]] && typed=@$typed
  else
    typed=\${typed##*[=:]}
  fi
  out=$(kubectl-secrets __complete "\${words[@]:1}" 2>/dev/null) || return
  directive=\${out##*:}
  # not compgen -W, which expands $(...) and backquotes in the candidates (kubeconfig names are anyone's text)
  COMPREPLY=()
  while IFS= read -r word; do
    [[ $word == "$cur"* ]] || continue
    word=\${word:\${#cur}-\${#typed}}
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
