# Shared by the guest harness scripts: messages, the Debian mirror, the cache.
# shellcheck shell=bash

vm_die() { printf 'archfence-vm: %s\n' "$*" >&2; exit 2; }
# Under set -e, a failing command ends the script: name it and its line, so
# that no step can end a run without a word. SCRIPT names the script.
vm_err_trap() {
	set -o errtrace
	# shellcheck disable=SC2064
	trap "vm_failed_at '$1' \$? \"\$BASH_COMMAND\" \$LINENO" ERR
}
vm_failed_at() { # SCRIPT STATUS COMMAND LINE
	trap - ERR
	printf 'archfence-vm: %s: line %s: `%s` failed with status %s\n' "$1" "$4" "$3" "$2" >&2
}
vm_say() { [ -n "${VM_QUIET:-}" ] || printf 'archfence-vm: %s\n' "$*" >&2; }

# The Debian archive this machine already uses, read from its apt sources at
# run time so that no mirror is ever written into the repository.
vm_mirror() {
	local m=""
	if [ -n "${ARCHFENCE_MIRROR:-}" ]; then
		printf '%s\n' "$ARCHFENCE_MIRROR"; return 0
	fi
	if compgen -G '/etc/apt/sources.list.d/*.sources' >/dev/null; then
		m=$(awk '
			/^[Tt]ypes:/ { deb = ($0 ~ /(^|[ \t])deb([ \t]|$)/) }
			/^URIs:/ { uri = $2 }
			/^Suites:/ { if (deb && $0 ~ /[ \t](bookworm|bullseye|trixie|stable)([ \t]|$)/) { print uri; exit } }
		' /etc/apt/sources.list.d/*.sources)
	fi
	if [ -z "$m" ] && [ -r /etc/apt/sources.list ]; then
		m=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' \
			/etc/apt/sources.list)
	fi
	[ -n "$m" ] || vm_die "cannot find a Debian mirror in /etc/apt/sources.list{,.d}; set ARCHFENCE_MIRROR"
	printf '%s\n' "${m%/}"
}

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VM_CACHE=${ARCHFENCE_VM_CACHE:-/var/cache/archfence-vm}

# The image is keyed by everything that goes into it.
vm_image_key() {
	cat "$VM_DIR/image" "$VM_DIR/lib.sh" "$VM_DIR/packages" "$VM_DIR"/guest/archfence-vm-boot "$VM_DIR"/guest/*.service "$VM_DIR"/guest/*.target |
		sha256sum | cut -c1-16
}
