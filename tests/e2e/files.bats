#!/usr/bin/env bats
# File enforcement, attacked the ways DESIGN section 5 lists. Every refused
# attempt has an allowed twin on an unlabelled file, and both check the exit
# status and the errno.

load lib

setup_file() {
	af_fresh_tree
	mkdir -p "$T"/{secret,master,sensitive,internal,open,late,bin,mnt}
	for d in secret master sensitive internal open; do
		echo "$d data" >"$T/$d/a.txt"
		echo "$d data" >"$T/$d/b.txt"
	done
	echo "late data" >"$T/late/f.txt"
	echo "late data" >"$T/open/late-twin.txt"
	# A hard link made before the policy: the outside name must be labelled too.
	ln "$T/secret/b.txt" "$T/open/hardlink-to-secret.txt"
	ln "$T/open/b.txt" "$T/open/hardlink-to-open.txt"
	# xattrs set before the policy, to be removed after
	setfattr -n user.tag -v before "$T/secret/a.txt"
	setfattr -n user.tag -v before "$T/open/a.txt"
	# An integrity checker the policy trusts to read what it checks, and
	# the sums it checks against, taken before the policy.
	cp "$(command -v sha256sum)" "$T/bin/checksum"
	(cd "$T" && sha256sum secret/a.txt master/a.txt >"$T/bin/sums")
	policy "$T/base.yaml" <<-EOF
	labels:
	  internal: {read: deny, write: allow, send: deny}
	trusted:
	  checksum:
	    exe: $T/bin/checksum
	    allow:
	      read: [secret, master-repository]
	paths:
	  $T/secret: secret
	  $T/master: master-repository
	  $T/sensitive: sensitive
	  $T/internal: internal
	EOF
	cp "$T/base.yaml" "$T/late.yaml"
	printf '  %s: secret\n' "$T/late" >>"$T/late.yaml"
	apply "$T/base.yaml"
}

teardown_file() {
	umount -R "$T/mnt" 2>/dev/null || true
	af_cleanup
}

@test "read and write of secret and master-repository files are refused; unlabelled allowed" {
	refused read "$T/secret/a.txt"
	refused write "$T/secret/a.txt"
	refused read "$T/master/a.txt"
	refused append "$T/master/a.txt"
	refused open-trunc "$T/master/a.txt"
	allowed read "$T/open/a.txt"
	allowed write "$T/open/a.txt"
}

@test "sensitive files are readable and writable (audited)" {
	allowed read "$T/sensitive/a.txt"
	allowed append "$T/sensitive/b.txt"
}

@test "a hard link made before the policy, outside the tree, is refused" {
	refused read "$T/open/hardlink-to-secret.txt"
	allowed read "$T/open/hardlink-to-open.txt"
}

@test "making a new hard link to a secret file is refused" {
	refused link "$T/secret/a.txt" "$T/open/new-link.txt"
	allowed link "$T/open/a.txt" "$T/open/new-link.txt"
}

@test "a symlink to a secret file does not shed its label" {
	ln -s "$T/secret/a.txt" "$T/open/symlink-to-secret"
	ln -s "$T/open/a.txt" "$T/open/symlink-to-open"
	refused read "$T/open/symlink-to-secret"
	allowed read "$T/open/symlink-to-open"
}

@test "renaming a secret file out of its tree is refused" {
	refused rename "$T/secret/a.txt" "$T/open/moved.txt"
	refused rename "$T/secret/a.txt" "$T/secret/renamed.txt"
	# still there: refused (EACCES), not missing (ENOENT); stat of it is a refused listing
	refused read "$T/secret/a.txt"
	allowed rename "$T/open/b.txt" "$T/open/b-renamed.txt"
	allowed rename "$T/open/b-renamed.txt" "$T/open/b.txt"
}

@test "a bind mount of a secret directory keeps its label" {
	mkdir -p "$T/mnt/bind-secret" "$T/mnt/bind-open"
	mount --bind "$T/secret" "$T/mnt/bind-secret"
	mount --bind "$T/open" "$T/mnt/bind-open"
	refused read "$T/mnt/bind-secret/a.txt"
	allowed read "$T/mnt/bind-open/a.txt"
	umount "$T/mnt/bind-secret" "$T/mnt/bind-open"
}

@test "overlayfs: a secret lower layer is refused through the merged view" {
	mkdir -p "$T/mnt/ovl-"{upper,work,merged,upper2,work2,merged2}
	mount -t overlay overlay -o "lowerdir=$T/secret,upperdir=$T/mnt/ovl-upper,workdir=$T/mnt/ovl-work" \
		"$T/mnt/ovl-merged"
	mount -t overlay overlay -o "lowerdir=$T/open,upperdir=$T/mnt/ovl-upper2,workdir=$T/mnt/ovl-work2" \
		"$T/mnt/ovl-merged2"
	refused read "$T/mnt/ovl-merged/a.txt"
	refused write "$T/mnt/ovl-merged/b.txt"
	allowed read "$T/mnt/ovl-merged2/a.txt"
	allowed write "$T/mnt/ovl-merged2/b.txt"
	umount "$T/mnt/ovl-merged" "$T/mnt/ovl-merged2"
	# the lower file was not copied up
	[ ! -e "$T/mnt/ovl-upper/b.txt" ]
}

@test "overlayfs: a secret upper layer is refused through the merged view" {
	mkdir -p "$T/mnt/ovl3-"{lower,work,merged}
	echo lower >"$T/mnt/ovl3-lower/x.txt"
	# the upper layer lives inside the secret tree (made before the policy)
	mount -t overlay overlay -o "lowerdir=$T/mnt/ovl3-lower,upperdir=$T/internal,workdir=$T/mnt/ovl3-work" \
		"$T/mnt/ovl3-merged" || skip "this kernel refuses the overlay layout"
	refused read "$T/mnt/ovl3-merged/a.txt"
	allowed read "$T/mnt/ovl3-merged/x.txt"
	umount "$T/mnt/ovl3-merged"
}

@test "chroot does not shed the label" {
	mkdir -p "$T/mnt/chroot"
	mount --bind "$T" "$T/mnt/chroot"
	refused chroot "$T/mnt/chroot" read /secret/a.txt
	allowed chroot "$T/mnt/chroot" read /open/a.txt
	umount "$T/mnt/chroot"
}

@test "a new mount namespace does not shed the label" {
	run unshare -m sh -c "mount --bind '$T/secret' /mnt && '$TRY' read /mnt/a.txt"
	[ "$status" -eq 1 ]
	[ "$output" = EACCES ]
	run unshare -m sh -c "mount --bind '$T/open' /mnt && '$TRY' read /mnt/a.txt"
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
}

@test "O_PATH then a reopen through /proc/self/fd is refused" {
	refused opath-reopen "$T/secret/a.txt"
	allowed opath-reopen "$T/open/a.txt"
}

@test "fds opened before the policy: every read and write path on them is refused" {
	run "$TRY" held-all "$T/late/f.txt" "'$AF' apply '$T/late.yaml' >/dev/null"
	[ "$status" -eq 0 ]
	echo "$output"
	[ "$output" = "read=EACCES readv=EACCES write=EACCES ftruncate=EACCES fallocate=EACCES mmap-private=EACCES mmap-shared=EACCES sendfile=EACCES splice=EACCES copy-range=EACCES uring-read=EACCES uring-write=EACCES" ]
	run "$TRY" held-all "$T/open/late-twin.txt" "'$AF' apply '$T/late.yaml' >/dev/null"
	[ "$status" -eq 0 ]
	[ "$output" = "read=ok readv=ok write=ok ftruncate=ok fallocate=ok mmap-private=ok mmap-shared=ok sendfile=ok splice=ok copy-range=ok uring-read=ok uring-write=ok" ]
}

@test "an fd passed over a Unix socket is refused" {
	echo "scm data" >"$T/open/scm.txt"
	cp "$T/base.yaml" "$T/scm.yaml"
	printf '  %s: secret\n' "$T/open/scm.txt" >>"$T/scm.yaml"
	refused scm-read "$T/open/scm.txt" "'$AF' apply '$T/scm.yaml' >/dev/null"
	allowed scm-read "$T/open/a.txt" "true"
	apply "$T/base.yaml"
}

@test "mmap, shared and private, of a secret file is refused" {
	refused mmap-private "$T/secret/a.txt"
	refused mmap-shared "$T/secret/a.txt"
	allowed mmap-private "$T/open/a.txt"
	allowed mmap-shared "$T/open/a.txt"
}

@test "truncate, fallocate, chmod, chown and utimes of a secret file are refused" {
	refused truncate "$T/secret/a.txt"
	refused fallocate "$T/secret/a.txt"
	refused chmod "$T/secret/a.txt"
	refused chown "$T/secret/a.txt"
	refused utimes "$T/secret/a.txt"
	allowed truncate "$T/open/b.txt"
	allowed fallocate "$T/open/b.txt"
	allowed chmod "$T/open/b.txt"
	allowed chown "$T/open/b.txt"
	allowed utimes "$T/open/b.txt"
}

@test "unlink and rmdir in a secret tree are refused" {
	refused unlink "$T/secret/b.txt"
	refused read "$T/secret/b.txt"
	refused rmdir "$T/secret"
	mkdir "$T/open/empty"
	allowed rmdir "$T/open/empty"
	allowed unlink "$T/open/new-link.txt"
}

@test "setting and removing xattrs and ACLs of a secret file are refused" {
	refused removexattr "$T/secret/a.txt" user.tag
	refused setxattr "$T/secret/a.txt" user.tag after
	# unchanged (getfattr would stat the file first: a refused listing)
	[ "$(python3 -c 'import os, sys; print(os.getxattr(sys.argv[1], "user.tag").decode())' "$T/secret/a.txt")" = before ]
	allowed removexattr "$T/open/a.txt" user.tag
	allowed setxattr "$T/open/a.txt" user.tag after
	# ACLs: from Linux 6.2 they have hooks of their own (inode_set_acl, inode_remove_acl)
	refused set-acl "$T/secret/a.txt"
	allowed set-acl "$T/open/a.txt"
	refused remove-acl "$T/secret/a.txt"
	allowed remove-acl "$T/open/a.txt"
}

@test "sendfile, splice, copy_file_range and io_uring on a secret file are refused" {
	refused sendfile "$T/secret/a.txt" "$T/open/copy1"
	refused splice "$T/secret/a.txt"
	refused copy-range "$T/secret/a.txt" "$T/open/copy2"
	refused uring-read "$T/secret/a.txt"
	refused uring-write "$T/secret/a.txt"
	allowed sendfile "$T/open/a.txt" "$T/open/copy1"
	allowed splice "$T/open/a.txt"
	allowed copy-range "$T/open/a.txt" "$T/open/copy2"
	allowed uring-read "$T/open/a.txt"
	allowed uring-write "$T/open/copy2"
}

@test "a file created later inside a labelled directory is labelled" {
	# internal: read denied, writing allowed
	allowed create "$T/internal/new.txt"
	refused read "$T/internal/new.txt"
	allowed create "$T/open/new.txt"
	allowed read "$T/open/new.txt"
	# creating inside a secret directory is a write on it
	refused create "$T/secret/new.txt"
}

@test "a directory moved into a labelled directory takes its label, even when read before" {
	mkdir -p "$T/open/dir-to-move/sub"
	echo x >"$T/open/dir-to-move/sub/f.txt"
	mkdir -p "$T/open/dir-to-stay/sub"
	echo x >"$T/open/dir-to-stay/sub/f.txt"
	allowed read "$T/open/dir-to-move/sub/f.txt"
	mv "$T/open/dir-to-move" "$T/internal/"
	refused read "$T/internal/dir-to-move/sub/f.txt"
	allowed read "$T/open/dir-to-stay/sub/f.txt"
}

@test "a file moved out of an audited tree keeps its label" {
	# sensitive allows writes (audited): the move succeeds, the label stays
	allowed rename "$T/sensitive/b.txt" "$T/open/was-sensitive.txt"
	"$AF" events >/dev/null # drain
	allowed read "$T/open/was-sensitive.txt"
	run "$AF" events --json
	[[ "$output" == *'"labels":"sensitive"'* ]]
	[[ "$output" == *'"action":"audit"'* ]]
}

@test "several labels combine and the strictest wins" {
	mkdir -p "$T/mixed"
	echo mixed >"$T/mixed/f.txt"
	cp "$T/base.yaml" "$T/mixed.yaml"
	printf '  %s: [sensitive, secret]\n' "$T/mixed" >>"$T/mixed.yaml"
	apply "$T/mixed.yaml"
	refused read "$T/mixed/f.txt"
	allowed read "$T/sensitive/a.txt"
	apply "$T/base.yaml"
}

@test "reading the raw block device under a labelled file system is refused" {
	dev=$(findmnt -n -o SOURCE --target "$T")
	[ -b "$dev" ]
	refused read "$dev"
	other=$(findmnt -n -o SOURCE --target "$AF_TOP")
	[ "$other" != "$dev" ]
	allowed read "$other"
}

@test "real programs fail with a permission error and leave the files unchanged" {
	run cat "$T/secret/a.txt"
	[ "$status" -ne 0 ] && [[ "$output" == *"Permission denied"* ]]
	run cp "$T/master/a.txt" "$T/open/cp-copy"
	[ "$status" -ne 0 ] && [[ "$output" == *"Permission denied"* ]]
	run dd if="$T/secret/a.txt" of="$T/open/dd-copy"
	[ "$status" -ne 0 ] && [[ "$output" == *"Permission denied"* ]]
	run dd if=/dev/zero of="$T/master/a.txt" bs=1 count=1 conv=notrunc
	[ "$status" -ne 0 ] && [[ "$output" == *"Permission denied"* ]]
	run tar -cf "$T/open/t.tar" -C "$T" secret
	[ "$status" -ne 0 ] && [[ "$output" == *"Permission denied"* ]]
	run rsync -a "$T/master/" "$T/open/rsync-copy/"
	[ "$status" -ne 0 ] && [[ "$output" == *"Permission denied"* ]]
	run python3 -c "open('$T/secret/a.txt').read()"
	[ "$status" -ne 0 ] && [[ "$output" == *"PermissionError"* ]]
	run sqlite3 "$T/master/a.txt" 'select 1'
	[ "$status" -ne 0 ]
	# the checker reads labelled data, so it reports by status only (quiet)
	quiet sh -c "cd '$T' && bin/checksum --quiet -c bin/sums"
	[ "$status" -eq 0 ]
	# the same programs on unlabelled files work
	cat "$T/open/a.txt" >/dev/null
	cp "$T/open/a.txt" "$T/open/cp-copy"
	dd if="$T/open/a.txt" of="$T/open/dd-copy" 2>/dev/null
	tar -cf "$T/open/t.tar" -C "$T" open/a.txt
	rsync -a "$T/open/a.txt" "$T/open/rsync-copy"
	python3 -c "open('$T/open/a.txt').read()"
	sqlite3 "$T/open/db.sqlite" 'create table t(x); insert into t values (1); select * from t'
}
