/*
 * artefact: one digest for what a build made (see artefact.h). The pipeline
 * takes it after each build; runner/judge/check compares a commit's digest with
 * its baseline's and spends no timing run on a commit whose artefacts are
 * identical, reading it `unchanged`.
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "artefact.h"

#define ARTEFACT_MAX_BYTES (INT64_C(1) << 30)
#define ARTEFACT_TOKEN     '@'

struct file_list {
	char **paths; /* relative to the worktree */
	size_t n, alloc;
};

void artefact_digest_release(struct artefact_digest *d)
{
	strbuf_release(&d->names);
	d->hex[0] = '\0';
	d->files = 0;
}

static void list_add(struct file_list *l, const char *rel)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->paths[i], rel))
			return;
	if (l->n == l->alloc) {
		l->alloc = l->alloc ? 2 * l->alloc : 16;
		l->paths = realloc(l->paths, l->alloc * sizeof(*l->paths));
		if (!l->paths)
			abort();
	}
	if (!(l->paths[l->n++] = strdup(rel)))
		abort();
}

static void list_release(struct file_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->paths[i]);
	free(l->paths);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Whether the file is an ELF executable or shared library: what a benchmark
 * runs. Objects and archives are intermediates; what of them matters is in
 * the programs linked from them.
 */
static int is_binary_artefact(const char *path)
{
	unsigned char head[18];
	ssize_t got;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	unsigned type;

	if (fd < 0)
		return 0;
	got = read(fd, head, sizeof(head));
	close(fd);
	if (got < (ssize_t)sizeof(head) || memcmp(head, ELFMAG, SELFMAG))
		return 0;
	type = head[EI_DATA] == ELFDATA2MSB ? (unsigned)head[16] << 8 | head[17]
	                                    : (unsigned)head[17] << 8 | head[16];
	return type == ET_EXEC || type == ET_DYN;
}

/* Every ELF file and archive under dir (recursively, .git skipped). */
static int find_binaries(const char *root, const char *rel, struct file_list *out,
                         struct pw_error *err)
{
	struct strbuf dir = STRBUF_INIT, path = STRBUF_INIT, sub = STRBUF_INIT;
	struct dirent *de;
	DIR *d;
	int ret = 0;

	strbuf_addf(&dir, "%s%s%s", root, *rel ? "/" : "", rel);
	if (!(d = opendir(dir.buf))) {
		ret = pw_error_errno(err, PW_EIO, "could not open '%s'", dir.buf);
		goto done;
	}
	while ((de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    (!*rel && !strcmp(de->d_name, ".git")))
			continue;
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/%s", dir.buf, de->d_name);
		strbuf_reset(&sub);
		strbuf_addf(&sub, "%s%s%s", rel, *rel ? "/" : "", de->d_name);
		if (lstat(path.buf, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if ((ret = find_binaries(root, sub.buf, out, err)) < 0)
				goto done;
		} else if (S_ISREG(st.st_mode) && is_binary_artefact(path.buf)) {
			list_add(out, sub.buf);
		}
	}
done:
	if (d)
		closedir(d);
	strbuf_release(&dir);
	strbuf_release(&path);
	strbuf_release(&sub);
	return ret;
}

/* The words of a command line that name regular files of the worktree. */
static void find_named_files(const char *root, const char *command, struct file_list *out)
{
	struct strbuf word = STRBUF_INIT, path = STRBUF_INIT;
	const char *s = command;

	for (;;) {
		struct stat st;
		const char *w, *rel;

		while (*s && strchr(" \t\n|&;<>()'\"=", *s))
			s++;
		if (!*s)
			break;
		w = s;
		while (*s && !strchr(" \t\n|&;<>()'\"=", *s))
			s++;
		strbuf_reset(&word);
		strbuf_add(&word, w, (size_t)(s - w));
		rel = word.buf;
		while (!strncmp(rel, "./", 2))
			rel += 2;
		if (!*rel || *rel == '/' || *rel == '-' || strstr(rel, ".."))
			continue;
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/%s", root, rel);
		if (stat(path.buf, &st) == 0 && S_ISREG(st.st_mode))
			list_add(out, rel);
	}
	strbuf_release(&word);
	strbuf_release(&path);
}

/* The files matching the space-separated globs, relative to root. */
static int find_patterns(const char *root, const char *patterns, struct file_list *out,
                         struct pw_error *err)
{
	struct strbuf pat = STRBUF_INIT;
	const char *s = patterns;
	size_t rootlen = strlen(root);
	int ret = 0;

	for (;;) {
		glob_t g;
		const char *w;
		size_t i;
		int rc;

		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		w = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		strbuf_reset(&pat);
		strbuf_addf(&pat, "%s/%.*s", root, (int)(s - w), w);
		rc = glob(pat.buf, 0, NULL, &g);
		if (rc == GLOB_NOMATCH)
			continue;
		if (rc != 0) {
			ret = pw_error_set(err, PW_EIO, "could not expand '%.*s'", (int)(s - w), w);
			break;
		}
		for (i = 0; i < g.gl_pathc; i++) {
			struct stat st;

			if (stat(g.gl_pathv[i], &st) == 0 && S_ISREG(st.st_mode) &&
			    !strncmp(g.gl_pathv[i], root, rootlen) && g.gl_pathv[i][rootlen] == '/')
				list_add(out, g.gl_pathv[i] + rootlen + 1);
		}
		globfree(&g);
	}
	strbuf_release(&pat);
	return ret;
}

/* Overwrite every occurrence of `what` in buf with the token (same length). */
static void mask(char *buf, size_t len, const char *what)
{
	size_t wlen = strlen(what);
	char *p = buf;

	if (!wlen)
		return;
	while ((size_t)(p - buf) + wlen <= len) {
		char *hit = memmem(p, len - (size_t)(p - buf), what, wlen);

		if (!hit)
			break;
		memset(hit, ARTEFACT_TOKEN, wlen);
		p = hit + wlen;
	}
}

/* Zero the descriptor of every GNU build-id note (namesz 4, type 3, "GNU"). */
static void mask_build_ids(unsigned char *buf, size_t len)
{
	static const unsigned char tail[] = {3, 0, 0, 0, 'G', 'N', 'U', 0};
	size_t i;

	for (i = 0; i + 16 <= len; i++) {
		uint32_t descsz;

		if (buf[i] != 4 || buf[i + 1] || buf[i + 2] || buf[i + 3] ||
		    memcmp(buf + i + 8, tail, sizeof(tail)))
			continue;
		descsz = (uint32_t)buf[i + 4] | (uint32_t)buf[i + 5] << 8 |
		         (uint32_t)buf[i + 6] << 16 | (uint32_t)buf[i + 7] << 24;
		if (descsz == 0 || descsz > 64 || i + 16 + descsz > len)
			continue;
		memset(buf + i + 16, 0, descsz);
		i += 15 + descsz;
	}
}

/*
 * Hash what of an ELF file is loaded when it runs: the header's type,
 * machine and entry point, and every SHF_ALLOC section's address, size,
 * flags and bytes. Debug information, symbol tables and comments are left
 * out: they do not run, and the linker lays their strings out in an order
 * that depends on the build directory's name. 1 when hashed so, 0 when the
 * file is not an ELF file this can read (the caller hashes it whole).
 */
#define DIGEST_ELF(Ehdr, Shdr)                                                                     \
	do {                                                                                       \
		const Ehdr *eh = (const Ehdr *)(const void *)buf;                                  \
		size_t k;                                                                          \
                                                                                                   \
		if (len < sizeof(Ehdr) || eh->e_shentsize != sizeof(Shdr) || eh->e_shoff > len ||  \
		    (size_t)eh->e_shnum * sizeof(Shdr) > len - eh->e_shoff)                        \
			return 0;                                                                  \
		EVP_DigestUpdate(md, &eh->e_type, sizeof(eh->e_type));                             \
		EVP_DigestUpdate(md, &eh->e_machine, sizeof(eh->e_machine));                       \
		EVP_DigestUpdate(md, &eh->e_entry, sizeof(eh->e_entry));                           \
		for (k = 0; k < eh->e_shnum; k++) {                                                \
			Shdr sh;                                                                   \
                                                                                                   \
			memcpy(&sh, buf + eh->e_shoff + k * sizeof(Shdr), sizeof(sh));             \
			if (!(sh.sh_flags & SHF_ALLOC))                                            \
				continue;                                                          \
			EVP_DigestUpdate(md, &sh.sh_type, sizeof(sh.sh_type));                     \
			EVP_DigestUpdate(md, &sh.sh_flags, sizeof(sh.sh_flags));                   \
			EVP_DigestUpdate(md, &sh.sh_addr, sizeof(sh.sh_addr));                     \
			EVP_DigestUpdate(md, &sh.sh_size, sizeof(sh.sh_size));                     \
			if (sh.sh_type == SHT_NOBITS)                                              \
				continue;                                                          \
			if (sh.sh_offset > len || sh.sh_size > len - sh.sh_offset)                 \
				return 0;                                                          \
			EVP_DigestUpdate(md, buf + sh.sh_offset, sh.sh_size);                      \
		}                                                                                  \
		return 1;                                                                          \
	} while (0)

static int digest_elf(EVP_MD_CTX *md, const unsigned char *buf, size_t len)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const unsigned char native = ELFDATA2LSB;
#else
	const unsigned char native = ELFDATA2MSB;
#endif

	if (len < EI_NIDENT || memcmp(buf, ELFMAG, SELFMAG) || buf[EI_DATA] != native)
		return 0;
	if (buf[EI_CLASS] == ELFCLASS64)
		DIGEST_ELF(Elf64_Ehdr, Elf64_Shdr);
	if (buf[EI_CLASS] == ELFCLASS32)
		DIGEST_ELF(Elf32_Ehdr, Elf32_Shdr);
	return 0;
}

int artefact_digest(const char *worktree, const char *hash, const char *patterns,
                    const char *const *commands, struct artefact_digest *out, struct pw_error *err)
{
	struct file_list files = {NULL, 0, 0};
	struct strbuf path = STRBUF_INIT, content = STRBUF_INIT;
	EVP_MD_CTX *md = NULL;
	unsigned char sum[EVP_MAX_MD_SIZE];
	unsigned int sumlen = 0;
	int64_t total = 0;
	size_t i;
	int ret = 0;

	artefact_digest_release(out);
	if (patterns && *patterns) {
		if ((ret = find_patterns(worktree, patterns, &files, err)) < 0)
			goto done;
	} else if ((ret = find_binaries(worktree, "", &files, err)) < 0) {
		goto done;
	}
	if (!files.n) {
		ret = pw_error_set(err, PW_ENOTFOUND, "no artefacts in '%s'%s%s", worktree,
		                   patterns ? " matching " : "", patterns ? patterns : "");
		goto done;
	}
	for (i = 0; commands && commands[i]; i++)
		find_named_files(worktree, commands[i], &files);
	qsort(files.paths, files.n, sizeof(*files.paths), cmp_str);

	if (!(md = EVP_MD_CTX_new()) || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		ret = pw_error_set(err, PW_ERROR, "could not start a SHA-256 digest");
		goto done;
	}
	for (i = 0; i < files.n; i++) {
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/%s", worktree, files.paths[i]);
		strbuf_reset(&content);
		if (strbuf_read_file(&content, path.buf) < 0) {
			ret = pw_error_errno(err, PW_EIO, "could not read '%s'", path.buf);
			goto done;
		}
		total += (int64_t)content.len;
		if (total > ARTEFACT_MAX_BYTES) {
			ret = pw_error_set(err, PW_EINVALID,
			                   "the artefacts in '%s' exceed 1 GiB; name them with "
			                   "[build] artifacts",
			                   worktree);
			goto done;
		}
		mask(content.buf, content.len, worktree);
		if (hash)
			mask(content.buf, content.len, hash);
		mask_build_ids((unsigned char *)content.buf, content.len);
		EVP_DigestUpdate(md, files.paths[i], strlen(files.paths[i]) + 1);
		if (!digest_elf(md, (const unsigned char *)content.buf, content.len)) {
			EVP_DigestUpdate(md, &content.len, sizeof(content.len));
			EVP_DigestUpdate(md, content.buf, content.len);
		}
		strbuf_addf(&out->names, "%s\n", files.paths[i]);
	}
	if (EVP_DigestFinal_ex(md, sum, &sumlen) != 1) {
		ret = pw_error_set(err, PW_ERROR, "could not finish a SHA-256 digest");
		goto done;
	}
	for (i = 0; i < sumlen && i < 32; i++) {
		static const char digits[] = "0123456789abcdef";

		out->hex[2 * i] = digits[sum[i] >> 4];
		out->hex[2 * i + 1] = digits[sum[i] & 15];
	}
	out->hex[2 * i] = '\0';
	out->files = files.n;
done:
	if (ret < 0)
		artefact_digest_release(out);
	EVP_MD_CTX_free(md);
	list_release(&files);
	strbuf_release(&path);
	strbuf_release(&content);
	return ret;
}
