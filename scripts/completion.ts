// bash completion for skiff and ch-run, rendered from the command and
// option tables (src/cli/commands.ts) that also make --help and the man
// pages. Run at build time by scripts/gen-docs.ts; not part of the skiff
// binary. The script needs bash only (not the bash-completion package).

import { ARGP_OPTIONS, OptionSpec } from "../src/cli/argp";
import { Command, commands, SKIFF_OPTIONS } from "../src/cli/commands";

/** A bash variable's name for command c's data. */
function varName(what: string, c: Command): string {
  return "_skiff_" + what + "_" + c.name.replace(/[^a-z0-9]/g, "_");
}

/** What completes an option word: -b, --bind= (an argument follows the
    =), --write-fake and --write-fake= (one may). */
function optionWords(options: OptionSpec[]): string[] {
  var out: string[] = [];
  for (var i = 0; i < options.length; i++) {
    var s = options[i];
    if (s.hidden)
      continue;
    if (s.short !== undefined)
      out.push("-" + s.short);
    if (s.long !== undefined) {
      if (s.arg !== "required")
        out.push("--" + s.long);
      if (s.arg !== "none")
        out.push("--" + s.long + "=");
    }
  }
  return out;
}

/** The options whose argument may be the next word. */
function takingWords(options: OptionSpec[]): string[] {
  var out: string[] = [];
  for (var i = 0; i < options.length; i++) {
    var s = options[i];
    if (s.arg !== "required")
      continue;
    if (s.short !== undefined)
      out.push("-" + s.short);
    if (s.long !== undefined)
      out.push("--" + s.long);
  }
  return out;
}

/** A bash single-quoted word. */
function quote(s: string): string {
  return "'" + s.replace(/'/g, "'\\''") + "'";
}

var FUNCTIONS = `
# The names of the images in storage (-s/--storage on the line, else
# $CH_IMAGE_STORAGE, else /var/tmp/$USER.ch), each mapped back as ch-image
# names its directories.
_skiff_stored() {
    local storage=\${CH_IMAGE_STORAGE:-/var/tmp/$USER.ch} i n
    for ((i = 1; i < COMP_CWORD; i++)); do
        case \${COMP_WORDS[i]} in
            -s|--storage) storage=\${COMP_WORDS[i+1]} ;;
        esac
    done
    for n in "$storage"/img/*; do
        [[ -e $n ]] || continue
        n=\${n##*/}; n=\${n//%//}; n=\${n//+/:}
        [[ $n == "$1"* ]] && COMPREPLY+=("$n")
    done
}

# Complete the words of command $1 whose arguments start at word $2.
_skiff_command() {
    local cmd=\${1//[^a-z0-9]/_} first=$2 cur=\${COMP_WORDS[COMP_CWORD]} i w n=0
    local prev=\${COMP_WORDS[COMP_CWORD-1]}
    local opts=_skiff_opts_$cmd takes=_skiff_takes_$cmd operands=_skiff_operands_$cmd
    # --opt=ARG: bash splits the = off
    if [[ $prev == = ]]; then
        prev=\${COMP_WORDS[COMP_CWORD-2]}
    elif [[ $cur == = ]]; then
        prev=\${COMP_WORDS[COMP_CWORD-1]}; cur=
    fi
    for ((i = first; i < COMP_CWORD; i++)); do
        if [[ \${COMP_WORDS[i]} == -- && $cmd == run ]]; then
            mapfile -t COMPREPLY < <(compgen -c -- "$cur"); return
        fi
    done
    if [[ " \${!takes} " == *" $prev "* ]]; then
        mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return
    fi
    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "\${!opts}" -- "$cur")
        [[ \${COMPREPLY[0]} == *= ]] && compopt -o nospace 2>/dev/null
        return
    fi
    for ((i = first; i < COMP_CWORD; i++)); do
        w=\${COMP_WORDS[i]}
        if [[ " \${!takes} " == *" $w "* ]]; then
            ((i++))
        elif [[ $w == = ]]; then
            ((i++))
        elif [[ $w != -* ]]; then
            ((n++))
        fi
    done
    local kinds=(\${!operands})
    local kind=\${kinds[n]:-}
    [[ -z $kind && \${kinds[-1]:-} == *... ]] && kind=\${kinds[-1]}
    COMPREPLY=()
    case \${kind%...} in
        image) _skiff_stored "$cur"; mapfile -t -O \${#COMPREPLY[@]} COMPREPLY < <(compgen -f -- "$cur") ;;
        name) _skiff_stored "$cur" ;;
        path) mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
        command) mapfile -t COMPREPLY < <(compgen -W "$_skiff_commands" -- "$cur") ;;
    esac
}

_skiff() {
    local cur=\${COMP_WORDS[COMP_CWORD]}
    if ((COMP_CWORD == 1)); then
        mapfile -t COMPREPLY < <(compgen -W "$_skiff_commands $_skiff_opts" -- "$cur")
        return
    fi
    [[ " $_skiff_commands " == *" \${COMP_WORDS[1]} "* ]] && _skiff_command "\${COMP_WORDS[1]}" 2
}

_skiff_ch_run() {
    _skiff_command run 1
}

complete -F _skiff skiff
complete -F _skiff_ch_run ch-run
`;

/** The completion script. */
export function completionScript(): string {
  var out = [
    "# bash completion for skiff and ch-run. Generated from src/cli/commands.ts by scripts/gen-docs.ts;",
    "# edit the tables, not this file.",
    "",
    "_skiff_commands=" + quote(commands().map(function (c) { return c.name; }).join(" ")),
    "_skiff_opts=" + quote(optionWords(SKIFF_OPTIONS.concat(ARGP_OPTIONS)).join(" ")),
  ];
  var all = commands();
  for (var i = 0; i < all.length; i++) {
    var c = all[i];
    var operands = c.operands.slice();
    if (/\.\.\.\]?$/.test(c.argsDoc) && operands.length > 0)
      operands[operands.length - 1] += "...";
    out.push(varName("opts", c) + "=" + quote(optionWords(c.options.concat(ARGP_OPTIONS)).join(" ")),
             varName("takes", c) + "=" + quote(takingWords(c.options.concat(ARGP_OPTIONS)).join(" ")),
             varName("operands", c) + "=" + quote(operands.join(" ")));
  }
  return out.join("\n") + "\n" + FUNCTIONS;
}
