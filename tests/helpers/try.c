// SPDX-License-Identifier: GPL-2.0
/*
 * try: attempt one file operation the way an attacker would, and say what
 * happened. Prints "ok" and exits 0 on success, or prints the errno name
 * (EACCES, ...) and exits 1. Used by the end-to-end tests, which pair every
 * refused attempt with an allowed one.
 *
 *	try OP ARGS...       (try --help lists the operations)
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/sem.h>
#include <sys/syscall.h>
#include <linux/if_packet.h>
#include <netinet/in.h>

/*
 * With TRY_ERRNO_EXIT set, the exit status is the errno itself: a tainted
 * process's output is labelled like its data, so the tests of tainted
 * programs read nothing but the status.
 */
static int report(int ret)
{
	if (ret < 0) {
		int e = errno;
		const char *name = strerrorname_np(e);

		printf("%s\n", name ? name : "EUNKNOWN");
		return getenv("TRY_ERRNO_EXIT") ? e : 1;
	}
	printf("ok\n");
	return 0;
}

/* Fail with errno e unless ret is a success value. */
#define CHECK(x)                       \
	do {                           \
		if ((x) < 0)           \
			return -1;     \
	} while (0)

static int do_read(const char *path, int flags)
{
	char c;
	int fd = open(path, flags);

	CHECK(fd);
	if (read(fd, &c, 1) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	close(fd);
	return 0;
}

/* List a directory: open it and read its entries (ls, find, du). */
static int do_readdir(const char *path)
{
	DIR *d = opendir(path);
	int e;

	if (!d)
		return -1;
	errno = 0;
	while (readdir(d))
		;
	e = errno;
	closedir(d);
	errno = e;
	return e ? -1 : 0;
}

static int do_write(const char *path, int flags)
{
	int fd = open(path, flags);

	CHECK(fd);
	if (write(fd, "x", 1) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	close(fd);
	return 0;
}

static int do_mmap(const char *path, int prot, int mflags)
{
	int fd = open(path, (prot & PROT_WRITE) ? O_RDWR : O_RDONLY);
	volatile char *p;

	CHECK(fd);
	p = mmap(NULL, 4096, prot, mflags, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -1;
	(void)p[0];
	munmap((void *)p, 4096);
	return 0;
}

static int do_sendfile(const char *src, const char *dst)
{
	int in = open(src, O_RDONLY), out;
	ssize_t n;

	CHECK(in);
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (out < 0)
		return -1;
	n = sendfile(out, in, NULL, 4096);
	close(in);
	close(out);
	return n < 0 ? -1 : 0;
}

static int do_splice(const char *src)
{
	int in = open(src, O_RDONLY), p[2];
	ssize_t n;

	CHECK(in);
	CHECK(pipe(p));
	n = splice(in, NULL, p[1], NULL, 4096, 0);
	close(in);
	close(p[0]);
	close(p[1]);
	return n < 0 ? -1 : 0;
}

static int do_copy_range(const char *src, const char *dst)
{
	int in = open(src, O_RDONLY), out;
	ssize_t n;

	CHECK(in);
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (out < 0)
		return -1;
	n = copy_file_range(in, NULL, out, NULL, 4096, 0);
	close(in);
	close(out);
	return n < 0 ? -1 : 0;
}

/* An io_uring read or write on an fd opened before (read: O_RDONLY). */
static int uring_rw(int fd, bool write)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	char buf[16] = "x";
	int ret;

	ret = io_uring_queue_init(4, &ring, 0);
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	sqe = io_uring_get_sqe(&ring);
	if (write)
		io_uring_prep_write(sqe, fd, buf, 1, 0);
	else
		io_uring_prep_read(sqe, fd, buf, sizeof(buf), 0);
	io_uring_submit(&ring);
	ret = io_uring_wait_cqe(&ring, &cqe);
	if (ret == 0) {
		ret = cqe->res;
		io_uring_cqe_seen(&ring, cqe);
	}
	io_uring_queue_exit(&ring);
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return 0;
}

/*
 * Open path (O_RDWR, or O_RDONLY if that fails) with no policy restriction
 * yet, run cmd (which applies a policy), then read and write on the old fd.
 */
/* path opened (O_RDWR, or O_RDONLY if that fails), then cmd run: the fd, or -1. */
static int open_then_run(const char *path, const char *cmd)
{
	int fd = open(path, O_RDWR);

	if (fd < 0)
		fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	if (system(cmd) != 0) {
		fprintf(stderr, "try: '%s' failed\n", cmd);
		exit(2);
	}
	return fd;
}

static int do_held(const char *path, const char *cmd)
{
	int fd = open_then_run(path, cmd), r, w;
	char c;

	CHECK(fd);
	r = pread(fd, &c, 1, 0) < 0 ? errno : 0;
	w = pwrite(fd, "x", 1, 0) < 0 ? errno : 0;
	printf("read=%s write=%s\n", r ? strerrorname_np(r) : "ok", w ? strerrorname_np(w) : "ok");
	close(fd);
	return (r || w) ? 1 : 0;
}

/* The same through io_uring, on an fd opened before cmd ran. */
static int do_held_uring(const char *path, const char *cmd)
{
	int fd = open(path, O_RDWR), r, w;

	CHECK(fd);
	if (system(cmd) != 0) {
		fprintf(stderr, "try: '%s' failed\n", cmd);
		exit(2);
	}
	r = uring_rw(fd, false) < 0 ? errno : 0;
	w = uring_rw(fd, true) < 0 ? errno : 0;
	printf("read=%s write=%s\n", r ? strerrorname_np(r) : "ok", w ? strerrorname_np(w) : "ok");
	close(fd);
	return (r || w) ? 1 : 0;
}

/* A mapping made before cmd ran, then a new one after: mmap is checked. */
static int do_held_mmap(const char *path, const char *cmd, int mflags)
{
	int fd = open(path, O_RDONLY);
	void *p;

	CHECK(fd);
	if (system(cmd) != 0) {
		fprintf(stderr, "try: '%s' failed\n", cmd);
		exit(2);
	}
	p = mmap(NULL, 4096, PROT_READ, mflags, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -1;
	(void)((volatile char *)p)[0];
	munmap(p, 4096);
	return 0;
}

/* Receive an fd over a Unix socket from a child that opened path, then read. */
static int do_scm_read(const char *path, const char *cmd)
{
	int sv[2], fd = -1;
	char c = 0, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &c, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	pid_t pid;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = fork();
	CHECK(pid);
	if (pid == 0) {
		int f = open(path, O_RDONLY);

		if (f < 0)
			_exit(3);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &f, sizeof(int));
		_exit(sendmsg(sv[1], &msg, 0) < 0 ? 4 : 0);
	}
	if (recvmsg(sv[0], &msg, 0) <= 0) {
		fprintf(stderr, "try: no fd received\n");
		exit(2);
	}
	waitpid(pid, NULL, 0);
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS) {
		fprintf(stderr, "try: no fd received\n");
		exit(2);
	}
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	if (system(cmd) != 0) {
		fprintf(stderr, "try: '%s' failed\n", cmd);
		exit(2);
	}
	if (read(fd, &c, 1) < 0)
		return -1;
	return 0;
}

/* O_PATH needs no permission; reopening it through /proc must be checked. */
static int do_opath_reopen(const char *path)
{
	char proc[64];
	int fd = open(path, O_PATH);

	CHECK(fd);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return do_read(proc, O_RDONLY);
}

static const char *res(int r)
{
	const char *n;

	if (r >= 0)
		return "ok";
	n = strerrorname_np(errno);
	return n ? n : "EUNKNOWN";
}

/*
 * Every fd-based access, on fds opened (O_RDWR and O_RDONLY) before cmd ran:
 * "read=... write=... ..." in a fixed order.
 */
static int do_held_all(const char *path, const char *cmd)
{
	int rw = open(path, O_RDWR), ro = open(path, O_RDONLY), p[2], out;
	char c, tmp[] = "/tmp/try-held-XXXXXX";
	void *m;

	if (rw < 0 || ro < 0 || pipe(p) < 0) {
		fprintf(stderr, "try: cannot open %s: %s\n", path, strerror(errno));
		exit(2);
	}
	out = mkstemp(tmp);
	if (out < 0) {
		fprintf(stderr, "try: mkstemp: %s\n", strerror(errno));
		exit(2);
	}
	unlink(tmp);
	if (system(cmd) != 0) {
		fprintf(stderr, "try: '%s' failed\n", cmd);
		exit(2);
	}
	printf("read=%s", res((int)pread(ro, &c, 1, 0)));
	printf(" readv=%s", res((int)preadv(ro, &(struct iovec){ &c, 1 }, 1, 0)));
	printf(" write=%s", res((int)pwrite(rw, "x", 1, 0)));
	printf(" ftruncate=%s", res(ftruncate(rw, 1)));
	printf(" fallocate=%s", res(fallocate(rw, 0, 0, 8192)));
	m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, ro, 0);
	printf(" mmap-private=%s", res(m == MAP_FAILED ? -1 : 0));
	m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, ro, 0);
	printf(" mmap-shared=%s", res(m == MAP_FAILED ? -1 : 0));
	printf(" sendfile=%s", res((int)sendfile(out, ro, &(off_t){ 0 }, 1)));
	printf(" splice=%s", res((int)splice(ro, &(loff_t){ 0 }, p[1], NULL, 1, 0)));
	printf(" copy-range=%s", res((int)copy_file_range(ro, &(loff_t){ 0 }, out, NULL, 1, 0)));
	printf(" uring-read=%s", res(uring_rw(ro, false)));
	printf(" uring-write=%s\n", res(uring_rw(rw, true)));
	return 0;
}

/*
 * Read SRC (a tainting read, for a trusted program), then write DATA (or
 * what was read) to DST: an existing file opened for writing, or "-" for
 * standard output.
 */
static int do_read_then_write(const char *src, const char *dst, const char *data)
{
	char buf[4096];
	ssize_t n;
	int fd = open(src, O_RDONLY);

	CHECK(fd);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	CHECK(n);
	if (data) {
		n = (ssize_t)strlen(data);
		memcpy(buf, data, (size_t)n);
	}
	fd = strcmp(dst, "-") ? open(dst, O_WRONLY) : dup(1);
	CHECK(fd);
	n = write(fd, buf, (size_t)n);
	close(fd);
	CHECK(n);
	return 0;
}

/* Channels a tainted process must not use (see bpf/confine.bpf.c). */
static int do_msgsnd(void)
{
	struct { long type; char text[8]; } m = { 1, "data" };
	int q = msgget(IPC_PRIVATE, 0600), r;

	CHECK(q);
	r = msgsnd(q, &m, sizeof(m.text), IPC_NOWAIT);
	msgctl(q, IPC_RMID, NULL);
	return r;
}

static int do_semop(void)
{
	struct sembuf op = { 0, 1, IPC_NOWAIT };
	int id = semget(IPC_PRIVATE, 1, 0600), r;

	CHECK(id);
	r = semop(id, &op, 1);
	semctl(id, 0, IPC_RMID);
	return r;
}

/* sigqueue a word of data to a child made for it (which ignores the signal). */
static int do_sigqueue(void)
{
	union sigval v = { .sival_int = 42 };
	pid_t child = fork();
	int r;

	CHECK(child);
	if (child == 0) {
		signal(SIGUSR1, SIG_IGN);
		pause();
		_exit(0);
	}
	usleep(100000);
	r = sigqueue(child, SIGUSR1, v);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	return r;
}

static int do_shmat(void)
{
	int id = shmget(IPC_PRIVATE, 4096, 0600);
	void *p;

	CHECK(id);
	p = shmat(id, NULL, 0);
	shmctl(id, IPC_RMID, NULL);
	if (p == (void *)-1)
		return -1;
	shmdt(p);
	return 0;
}

static int do_add_key(void)
{
	return (int)syscall(SYS_add_key, "user", "af-test", "data", 4, -2 /* KEY_SPEC_PROCESS_KEYRING */);
}

static int do_socket(int family, int type, int proto)
{
	int fd = socket(family, type, proto);

	CHECK(fd);
	close(fd);
	return 0;
}

static int do_mount_tmpfs(const char *dir)
{
	CHECK(mount("af-test", dir, "tmpfs", 0, NULL));
	umount(dir);
	return 0;
}

/* Bind SRC over DIR with mount(2), and take it away again. */
static int do_bind(const char *src, const char *dir)
{
	CHECK(mount(src, dir, NULL, MS_BIND, NULL));
	umount2(dir, MNT_DETACH);
	return 0;
}

/* The new mount API: a clone of SRC (open_tree) put over DIR with move_mount. */
static int do_move_mount(const char *src, const char *dir)
{
	int fd = (int)syscall(SYS_open_tree, AT_FDCWD, src, 1 /* OPEN_TREE_CLONE */ | O_CLOEXEC);

	CHECK(fd);
	if (syscall(SYS_move_mount, fd, "", AT_FDCWD, dir, 4 /* MOVE_MOUNT_F_EMPTY_PATH */) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	close(fd);
	umount2(dir, MNT_DETACH);
	return 0;
}

/* A new tmpfs from fsopen and fsmount, put over DIR with move_mount. */
static int do_fsmount(const char *dir)
{
	int fs, mfd, r = -1, e = 0;

	fs = (int)syscall(SYS_fsopen, "tmpfs", 1 /* FSOPEN_CLOEXEC */);
	CHECK(fs);
	if (syscall(SYS_fsconfig, fs, 6 /* FSCONFIG_CMD_CREATE */, NULL, NULL, 0) < 0) {
		e = errno;
		close(fs);
		errno = e;
		return -1;
	}
	mfd = (int)syscall(SYS_fsmount, fs, 1 /* FSMOUNT_CLOEXEC */, 0);
	e = errno;
	close(fs);
	if (mfd < 0) {
		errno = e;
		return -1;
	}
	r = (int)syscall(SYS_move_mount, mfd, "", AT_FDCWD, dir, 4 /* MOVE_MOUNT_F_EMPTY_PATH */);
	e = errno;
	close(mfd);
	if (r < 0) {
		errno = e;
		return -1;
	}
	umount2(dir, MNT_DETACH);
	return 0;
}

/*
 * With PATH opened before CMD ran (CMD applies a policy that labels it): a
 * loop device on it (LOOP_CONFIGURE, direct I/O if asked), or, for a block
 * device, zeroing its first sector (BLKZEROOUT).
 */
static int do_held_ioctl(const char *path, const char *cmd, const char *what)
{
	int fd = open_then_run(path, cmd), ctl, n, lfd, r, e;
	char dev[64];

	CHECK(fd);
	if (!strcmp(what, "zeroout")) {
		unsigned long long range[2] = { 0, 512 };

		r = ioctl(fd, 0x127f /* BLKZEROOUT */, range);
		e = errno;
		close(fd);
		errno = e;
		return r;
	}
	ctl = open("/dev/loop-control", O_RDWR);
	CHECK(ctl);
	n = ioctl(ctl, 0x4C82 /* LOOP_CTL_GET_FREE */);
	close(ctl);
	CHECK(n);
	snprintf(dev, sizeof(dev), "/dev/loop%d", n);
	lfd = open(dev, O_RDWR);
	CHECK(lfd);
	{
		/* struct loop_config: fd, block_size, loop_info64 (flags at 52), reserved */
		unsigned char cfg[304] = { 0 };
		unsigned int lo_flags = !strcmp(what, "loop-direct") ? 16 /* LO_FLAGS_DIRECT_IO */ : 0;

		memcpy(cfg, &fd, sizeof(fd));
		memcpy(cfg + 8 + 52, &lo_flags, sizeof(lo_flags));
		r = ioctl(lfd, 0x4C0A /* LOOP_CONFIGURE */, cfg);
	}
	e = errno;
	if (r == 0)
		ioctl(lfd, 0x4C01 /* LOOP_CLR_FD */, 0);
	close(lfd);
	close(fd);
	errno = e;
	return r;
}

/* Write into a child made before: process_vm_writev. */
static int do_vm_write(pid_t child)
{
	static char target[16];
	char data[16] = "overwritten";
	struct iovec l = { data, sizeof(data) }, r = { target, sizeof(target) };

	return (int)process_vm_writev(child, &l, 1, &r, 1, 0) < 0 ? -1 : 0;
}

static int thread_fd = -1, thread_ret;
static const char *thread_path;
static pthread_barrier_t thread_go;

static void *thread_write(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&thread_go);	/* the main thread has read by now */
	thread_ret = 0;
	thread_fd = open(thread_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (thread_fd < 0 || write(thread_fd, "x", 1) != 1)
		thread_ret = -errno;
	return NULL;
}

/* A thread made before the main thread reads SRC writes DST afterwards. */
static int do_thread_write(const char *src, const char *dst)
{
	pthread_t t;
	char c;
	int fd;

	thread_path = dst;
	pthread_barrier_init(&thread_go, NULL, 2);
	pthread_create(&t, NULL, thread_write, NULL);
	fd = open(src, O_RDONLY);
	if (fd >= 0) {
		if (read(fd, &c, 1) < 0)
			c = 0;
		close(fd);
	}
	pthread_barrier_wait(&thread_go);
	pthread_join(t, NULL);
	if (thread_ret) {
		errno = -thread_ret;
		return -1;
	}
	return 0;
}

/*
 * A file by handle, as an attacker with root would: the handle, then the
 * dentry cache dropped, so that the file comes back without its parents.
 */
static int do_handle_read(const char *path)
{
	struct { struct file_handle fh; unsigned char b[128]; } h = { .fh.handle_bytes = 128 };
	int mount_id, mfd, fd, dc;
	char c, dir[4096];

	CHECK(name_to_handle_at(AT_FDCWD, path, &h.fh, &mount_id, 0));
	/* Any descriptor on the same mount will do: the nearest directory that opens. */
	snprintf(dir, sizeof(dir), "%s", path);
	do {
		char *slash = strrchr(dir, '/');

		if (!slash || slash == dir) {
			snprintf(dir, sizeof(dir), "/");
			mfd = open(dir, O_RDONLY | O_DIRECTORY);
			break;
		}
		*slash = 0;
		mfd = open(dir, O_RDONLY | O_DIRECTORY);
	} while (mfd < 0);
	CHECK(mfd);
	sync();
	dc = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (dc >= 0) {
		if (write(dc, "3", 1) != 1)
			perror("try: drop_caches");
		close(dc);
	}
	fd = open_by_handle_at(mfd, &h.fh, O_RDONLY);
	close(mfd);
	CHECK(fd);
	if (read(fd, &c, 1) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	close(fd);
	return 0;
}

/* Data into the pipe on stdout without write(): vmsplice, or splice from a file. */
static int do_vmsplice_out(void)
{
	static char data[] = "vmspliced\n";
	struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) - 1 };

	return vmsplice(1, &iov, 1, 0) < 0 ? -1 : 0;
}

static int do_splice_out(const char *src)
{
	int in = open(src, O_RDONLY);
	ssize_t n;

	CHECK(in);
	n = splice(in, NULL, 1, NULL, 4096, 0);
	close(in);
	return n < 0 ? -1 : 0;
}

/*
 * Take what the pipe on stdin holds by mode (read, splice to /dev/null,
 * vmsplice into memory, tee into a pipe of its own and read that), then
 * write dst: refused to a process tainted on the way, with no write grant.
 */
static int do_pipe_in(const char *mode, const char *dst)
{
	char buf[256];
	ssize_t n = -1;
	int fd, p[2];

	if (!strcmp(mode, "read")) {
		n = read(0, buf, sizeof(buf));
	} else if (!strcmp(mode, "splice")) {
		fd = open("/dev/null", O_WRONLY);
		CHECK(fd);
		n = splice(0, NULL, fd, NULL, sizeof(buf), 0);
		close(fd);
	} else if (!strcmp(mode, "vmsplice")) {
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };

		n = vmsplice(0, &iov, 1, 0);
	} else if (!strcmp(mode, "tee")) {
		CHECK(pipe(p));
		n = tee(0, p[1], sizeof(buf), 0);
		if (n > 0)
			n = read(p[0], buf, sizeof(buf));
		close(p[0]);
		close(p[1]);
	} else {
		errno = EINVAL;
	}
	if (n <= 0) {
		fprintf(stderr, "try: pipe-in %s: nothing came (%s)\n", mode, n ? strerror(errno) : "end");
		exit(2);
	}
	fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd);
	n = write(fd, "x", 1);
	close(fd);
	return n < 0 ? -1 : 0;
}

/*
 * Put a marker in its own command line (argv[0]'s memory, which
 * /proc/PID/cmdline shows), then wait.
 */
static int do_hold(char **argv, int seconds)
{
	size_t len = strlen(argv[0]);

	memset(argv[0], 'S', len);
	sleep(seconds);
	return 0;
}

/*
 * A Unix socket pair made before reading src; a child (untainted: forked
 * before the read), already waiting in its splice when the parent sends,
 * splices what the parent sends into a pipe, reads that and writes dst.
 * The child's errno is the result.
 */
static int do_unix_splice(const char *src, const char *dst)
{
	char buf[256];
	int sv[2], p[2], fd, st;
	ssize_t n;
	pid_t pid;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = fork();
	CHECK(pid);
	if (pid == 0) {
		close(sv[0]);
		if (pipe(p) < 0 || splice(sv[1], NULL, p[1], NULL, sizeof(buf), 0) <= 0 ||
		    read(p[0], buf, sizeof(buf)) <= 0)
			_exit(200);
		fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || write(fd, "x", 1) < 0)
			_exit(errno);
		_exit(0);
	}
	close(sv[1]);
	usleep(300000);	/* the child is waiting in its splice by now */
	fd = open(src, O_RDONLY);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf));
	if (n > 0)
		n = write(sv[0], buf, (size_t)n);
	close(sv[0]);
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || n <= 0) {
		fprintf(stderr, "try: unix-splice: the child or the send failed\n");
		exit(2);
	}
	errno = WEXITSTATUS(st);
	return errno ? -1 : 0;
}

/*
 * A POSIX ACL (owner rw, group r, other r, as setfacl writes it): from
 * Linux 6.2 it goes to the inode_set_acl hook, not to inode_setxattr.
 */
static int do_set_acl(const char *path)
{
	struct {
		uint32_t version;
		struct {
			uint16_t tag, perm;
			uint32_t id;
		} e[3];
	} acl = { 2, { { 0x01, 6, (uint32_t)-1 }, { 0x04, 4, (uint32_t)-1 }, { 0x20, 4, (uint32_t)-1 } } };

	return setxattr(path, "system.posix_acl_access", &acl, sizeof(acl), 0);
}

/* Open path now, read it after a while (pread at 0), then write dst. */
static int do_pread_later(const char *path, int seconds, const char *dst)
{
	char buf[256];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	CHECK(fd);
	sleep(seconds);
	n = pread(fd, buf, sizeof(buf), 0);
	close(fd);
	CHECK(n);
	fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd);
	n = write(fd, "x", 1);
	close(fd);
	return n < 0 ? -1 : 0;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: try OP ARGS...\n"
		"  read PATH | open-read PATH | write PATH | append PATH | open-trunc PATH\n"
		"  create PATH | mkdir PATH | rmdir PATH | unlink PATH | mknod PATH\n"
		"  truncate PATH | ftruncate PATH | fallocate PATH\n"
		"  rename OLD NEW | link OLD NEW | symlink TARGET NEW\n"
		"  chmod PATH | chown PATH | utimes PATH\n"
		"  setxattr PATH NAME VALUE | removexattr PATH NAME | set-acl PATH | remove-acl PATH\n"
		"  mmap-shared PATH | mmap-private PATH | mmap-write PATH\n"
		"  sendfile SRC DST | splice SRC | copy-range SRC DST\n"
		"  uring-read PATH | uring-write PATH | opath-reopen PATH\n"
		"  held PATH CMD | held-uring PATH CMD | held-mmap PATH CMD | held-mmap-shared PATH CMD\n"
		"  scm-read PATH CMD | held-all PATH CMD\n"
		"  read-then-write SRC DST|- [DATA]\n"
		"  after-read SRC OP ARGS...   (read SRC first, then OP; a child for vm-write is made before)\n"
		"  msgsnd X | shmat X | semop X | sigqueue X | add-key X | raw-socket X | packet-socket X | vsock X\n"
		"  mount-tmpfs DIR | bind SRC DIR | move-mount SRC DIR | fsmount DIR | umount-lazy DIR\n"
		"  held-ioctl PATH CMD loop|loop-direct|zeroout\n"
		"  vm-write X | thread-write SRC DST\n"
		"  vmsplice-out X | splice-out SRC   (into the pipe on stdout)\n"
		"  pipe-in read|splice|vmsplice|tee DST   (take stdin's pipe that way, then write DST)\n"
		"  hold SECONDS | pread-later PATH SECONDS DST | set-name NAME | name-vma NAME\n"
		"  unix-splice SRC DST   (a child splices from a Unix socket what the parent read)\n"
		"  abort X   (dump core)\n"
		"  handle-read PATH | open-ioctl PATH | readdir DIR | stat PATH\n"
		"  chroot DIR OP ARGS...   (the rest inside DIR)\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *op, *a, *b;
	int fd;

	if (argc < 3)
		return usage();
	op = argv[1];
	a = argv[2];
	b = argc > 3 ? argv[3] : NULL;
	setvbuf(stdout, NULL, _IONBF, 0);

	if (!strcmp(op, "read"))
		return report(do_read(a, O_RDONLY));
	if (!strcmp(op, "readdir"))
		return report(do_readdir(a));
	if (!strcmp(op, "stat")) {
		struct stat st;

		return report(lstat(a, &st));
	}
	if (!strcmp(op, "open-read")) {
		fd = open(a, O_RDONLY);
		return report(fd);
	}
	if (!strcmp(op, "write"))
		return report(do_write(a, O_WRONLY));
	if (!strcmp(op, "append"))
		return report(do_write(a, O_WRONLY | O_APPEND));
	if (!strcmp(op, "open-trunc"))
		return report(open(a, O_WRONLY | O_TRUNC));
	if (!strcmp(op, "create"))
		return report(open(a, O_WRONLY | O_CREAT | O_EXCL, 0600));
	if (!strcmp(op, "mkdir"))
		return report(mkdir(a, 0700));
	if (!strcmp(op, "rmdir"))
		return report(rmdir(a));
	if (!strcmp(op, "unlink"))
		return report(unlink(a));
	if (!strcmp(op, "mknod"))
		return report(mknod(a, S_IFIFO | 0600, 0));
	if (!strcmp(op, "truncate"))
		return report(truncate(a, 1));
	if (!strcmp(op, "ftruncate")) {
		fd = open(a, O_WRONLY);
		if (fd < 0)
			return report(fd);
		return report(ftruncate(fd, 1));
	}
	if (!strcmp(op, "fallocate")) {
		fd = open(a, O_WRONLY);
		if (fd < 0)
			return report(fd);
		return report(fallocate(fd, 0, 0, 65536));
	}
	if (!strcmp(op, "rename") && b)
		return report(rename(a, b));
	if (!strcmp(op, "link") && b)
		return report(link(a, b));
	if (!strcmp(op, "symlink") && b)
		return report(symlink(a, b));
	if (!strcmp(op, "chmod"))
		return report(chmod(a, 0640));
	if (!strcmp(op, "chown"))
		return report(chown(a, 0, 0));
	if (!strcmp(op, "utimes"))
		return report(utimes(a, NULL));
	if (!strcmp(op, "setxattr") && argc > 4)
		return report(setxattr(a, b, argv[4], strlen(argv[4]), 0));
	if (!strcmp(op, "removexattr") && b)
		return report(removexattr(a, b));
	if (!strcmp(op, "mmap-shared"))
		return report(do_mmap(a, PROT_READ, MAP_SHARED));
	if (!strcmp(op, "mmap-private"))
		return report(do_mmap(a, PROT_READ, MAP_PRIVATE));
	if (!strcmp(op, "mmap-write"))
		return report(do_mmap(a, PROT_READ | PROT_WRITE, MAP_SHARED));
	if (!strcmp(op, "sendfile") && b)
		return report(do_sendfile(a, b));
	if (!strcmp(op, "splice"))
		return report(do_splice(a));
	if (!strcmp(op, "copy-range") && b)
		return report(do_copy_range(a, b));
	if (!strcmp(op, "uring-read") || !strcmp(op, "uring-write")) {
		bool w = !strcmp(op, "uring-write");

		fd = open(a, w ? O_WRONLY : O_RDONLY);
		if (fd < 0)
			return report(fd);
		return report(uring_rw(fd, w));
	}
	if (!strcmp(op, "opath-reopen"))
		return report(do_opath_reopen(a));
	if (!strcmp(op, "held") && b)
		return do_held(a, b);
	if (!strcmp(op, "held-uring") && b)
		return do_held_uring(a, b);
	if (!strcmp(op, "held-mmap") && b)
		return report(do_held_mmap(a, b, MAP_PRIVATE));
	if (!strcmp(op, "held-mmap-shared") && b)
		return report(do_held_mmap(a, b, MAP_SHARED));
	if (!strcmp(op, "scm-read") && b)
		return report(do_scm_read(a, b));
	if (!strcmp(op, "after-read") && argc > 3) {
		static pid_t child;
		char c;

		/* an untainted process to write into, made before the read */
		if (!strcmp(argv[3], "vm-write")) {
			child = fork();
			if (child == 0) {
				pause();
				_exit(0);
			}
		}
		fd = open(a, O_RDONLY);
		if (fd < 0 || read(fd, &c, 1) < 0) {
			fprintf(stderr, "try: after-read %s: %s\n", a, strerror(errno));
			return 2;
		}
		close(fd);
		if (child) {
			int r = report(do_vm_write(child));

			kill(child, SIGKILL);
			waitpid(child, NULL, 0);
			return r;
		}
		return main(argc - 2, argv + 2);
	}
	if (!strcmp(op, "handle-read"))
		return report(do_handle_read(a));
	if (!strcmp(op, "open-ioctl")) {
		fd = open(a, O_WRONLY | O_RDWR);	/* access mode 3: for ioctls */
		if (fd >= 0)
			close(fd);
		return report(fd);
	}
	if (!strcmp(op, "vmsplice-out"))
		return report(do_vmsplice_out());
	if (!strcmp(op, "splice-out"))
		return report(do_splice_out(a));
	if (!strcmp(op, "pipe-in") && b)
		return report(do_pipe_in(a, b));
	if (!strcmp(op, "set-acl"))
		return report(do_set_acl(a));
	if (!strcmp(op, "remove-acl"))
		return report(removexattr(a, "system.posix_acl_access"));
	if (!strcmp(op, "unix-splice") && b)
		return report(do_unix_splice(a, b));
	if (!strcmp(op, "hold"))
		return report(do_hold(argv, atoi(a)));
	if (!strcmp(op, "pread-later") && argc > 4)
		return report(do_pread_later(a, atoi(b), argv[4]));
	if (!strcmp(op, "set-name"))
		return report(prctl(PR_SET_NAME, a));
	if (!strcmp(op, "name-vma")) {
		void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (m == MAP_FAILED)
			return report(-1);
		/* PR_SET_VMA, PR_SET_VMA_ANON_NAME (Linux 5.17; CONFIG_ANON_VMA_NAME) */
		return report(prctl(0x53564d41, 0, (unsigned long)m, 4096, (unsigned long)a));
	}
	if (!strcmp(op, "abort")) {
		prctl(PR_SET_DUMPABLE, 1);
		abort();
	}
	if (!strcmp(op, "semop"))
		return report(do_semop());
	if (!strcmp(op, "sigqueue"))
		return report(do_sigqueue());
	if (!strcmp(op, "msgsnd"))
		return report(do_msgsnd());
	if (!strcmp(op, "shmat"))
		return report(do_shmat());
	if (!strcmp(op, "add-key"))
		return report(do_add_key());
	if (!strcmp(op, "raw-socket"))
		return report(do_socket(AF_INET, SOCK_RAW, IPPROTO_RAW));
	if (!strcmp(op, "mptcp-socket"))
		return report(do_socket(AF_INET, SOCK_STREAM, 262 /* IPPROTO_MPTCP */));
	if (!strcmp(op, "packet-socket"))
		return report(do_socket(AF_PACKET, SOCK_RAW, 0));
	if (!strcmp(op, "vsock"))
		return report(do_socket(40 /* AF_VSOCK */, SOCK_STREAM, 0));
	if (!strcmp(op, "mount-tmpfs"))
		return report(do_mount_tmpfs(a));
	if (!strcmp(op, "bind") && b)
		return report(do_bind(a, b));
	if (!strcmp(op, "move-mount") && b)
		return report(do_move_mount(a, b));
	if (!strcmp(op, "fsmount"))
		return report(do_fsmount(a));
	if (!strcmp(op, "held-ioctl") && argc > 4)
		return report(do_held_ioctl(a, b, argv[4]));
	if (!strcmp(op, "umount-lazy"))
		return report(umount2(a, MNT_DETACH));
	if (!strcmp(op, "thread-write") && b)
		return report(do_thread_write(a, b));
	if (!strcmp(op, "read-then-write") && b)
		return report(do_read_then_write(a, b, argc > 4 ? argv[4] : NULL));
	if (!strcmp(op, "held-all") && b)
		return do_held_all(a, b);
	if (!strcmp(op, "chroot") && argc > 4) {
		if (chroot(a) < 0 || chdir("/") < 0) {
			fprintf(stderr, "try: chroot %s: %s\n", a, strerror(errno));
			return 2;
		}
		return main(argc - 2, argv + 2);
	}
	return usage();
}
