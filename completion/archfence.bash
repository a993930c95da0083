# bash completion for archfence(8): commands, their options (read from each
# command's --help, so they never drift from the program), the label names of
# the policy in force (archfence list --labels; the built-in labels when that
# cannot be read, as an ordinary user), policy files and other paths.
# shellcheck shell=bash
# COMPREPLY=($(compgen ...)) with IFS set to a newline, as bash-completion does:
# shellcheck disable=SC2207

# The commands, from "archfence --help".
_archfence_commands()
{
	"$1" --help 2>/dev/null | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\).*/\1/p'
}

# The long and short options of one command, from "archfence CMD --help".
_archfence_options()
{
	"$1" "$2" --help 2>/dev/null |
		sed -nE 's/^ {2,}(-[a-zA-Z]), (--[a-z][a-z-]*).*/\1\n\2/p; s/^ {2,}(--[a-z][a-z-]*).*/\1/p'
	echo --help
}

# The labels of the policy in force.
_archfence_labels()
{
	local l
	l=$("$1" list --labels 2>/dev/null) || l=
	[[ -n $l ]] || l=$'secret\nmaster-repository\nsensitive'
	printf '%s\n' "$l"
}

_archfence()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local prog=${COMP_WORDS[0]} cmd='' i
	local IFS=$'\n'

	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-*) ;;
		*)
			cmd=${COMP_WORDS[i]}
			break
			;;
		esac
	done
	COMPREPLY=()
	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W $'-v\n--verbose\n-V\n--version\n-h\n--help' -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_archfence_commands "$prog")" -- "$cur"))
		fi
		return 0
	fi

	# The value of an option.
	case $prev in
	--label | -l)
		COMPREPLY=($(compgen -W "$(_archfence_labels "$prog")" -- "$cur"))
		return 0
		;;
	--format | -f)
		if [[ $cmd == report ]]; then
			COMPREPLY=($(compgen -W $'text\njson\ncsv' -- "$cur"))
			return 0
		fi
		;;
	--since | --until | -S | -U)
		COMPREPLY=($(compgen -W $'now\ntoday\nyesterday\n-1h\n-1d\n-7d' -- "$cur"))
		return 0
		;;
	--directory | -D)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -d -- "$cur"))
		return 0
		;;
	--exe | -e | --policy | -p)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur"))
		return 0
		;;
	--pid)
		COMPREPLY=($(compgen -W "$(cd /proc && printf '%s\n' [0-9]*)" -- "$cur"))
		return 0
		;;
	esac

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_archfence_options "$prog" "$cmd")" -- "$cur"))
		return 0
	fi
	case $cmd in
	help)
		COMPREPLY=($(compgen -W "$(_archfence_commands "$prog")" -- "$cur"))
		;;
	check | apply | edit | explain | upgrade)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur"))
		;;
	esac
	return 0
}
complete -F _archfence archfence
