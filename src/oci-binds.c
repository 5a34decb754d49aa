// SPDX-License-Identifier: LGPL-2.1-or-later
/* Bind-mount translation of container paths; see oci-binds.h. */
#include "oci-binds.h"
#include "fileio.h"
#include "oci-state.h"
#include "util.h"

#include <fcntl.h>
#include <limits.h>

void binds_done(struct binds *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free(b->v[i].destination);
		free(b->v[i].source);
		free(b->v[i].real);
	}
	free(b->v);
	memset(b, 0, sizeof(*b));
}

int path_normalize(const char *in, char *buf, size_t size)
{
	size_t out = 0;
	const char *p = in;

	if (!in || in[0] != '/' || size < 2)
		return -EINVAL;
	while (*p) {
		const char *end;
		size_t n;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		end = strchr(p, '/');
		n = end ? (size_t)(end - p) : strlen(p);
		if (n == 1 && p[0] == '.') {
			p += n;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return -EINVAL;
		if (out + 1 + n + 1 > size)
			return -ENAMETOOLONG;
		buf[out++] = '/';
		memcpy(buf + out, p, n);
		out += n;
		p += n;
	}
	if (out == 0)
		buf[out++] = '/';
	buf[out] = '\0';
	return 0;
}

static bool has_option(json_object *mount, const char *want)
{
	json_object *opts;

	if (!json_object_object_get_ex(mount, "options", &opts) ||
	    !json_object_is_type(opts, json_type_array))
		return false;
	for (size_t i = 0; i < json_object_array_length(opts); i++) {
		json_object *o = json_object_array_get_idx(opts, i);

		if (json_object_is_type(o, json_type_string) && streq(json_object_get_string(o), want))
			return true;
	}
	return false;
}

static int binds_add(struct binds *b, const char *dest, const char *source, const char *real,
		     bool readonly)
{
	char norm_dest[PATH_MAX], norm_src[PATH_MAX];
	struct bind *nv;

	if (b->n >= BINDS_MAX)
		return -E2BIG;
	if (path_normalize(dest, norm_dest, sizeof(norm_dest)) < 0 ||
	    path_normalize(source, norm_src, sizeof(norm_src)) < 0)
		return 0; /* a relative or odd mount cannot host a pin we translate */
	nv = realloc(b->v, (b->n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	b->v = nv;
	b->v[b->n].destination = strdup(norm_dest);
	b->v[b->n].source = strdup(norm_src);
	b->v[b->n].real = real ? strdup(real) : NULL;
	b->v[b->n].readonly = readonly;
	if (!b->v[b->n].destination || !b->v[b->n].source || (real && !b->v[b->n].real)) {
		free(b->v[b->n].destination);
		free(b->v[b->n].source);
		free(b->v[b->n].real);
		return -ENOMEM;
	}
	b->n++;
	return 0;
}

static bool has_mount_namespace(json_object *root)
{
	json_object *linux_obj, *nss;

	if (!json_object_object_get_ex(root, "linux", &linux_obj) ||
	    !json_object_object_get_ex(linux_obj, "namespaces", &nss) ||
	    !json_object_is_type(nss, json_type_array))
		return false;
	for (size_t i = 0; i < json_object_array_length(nss); i++) {
		json_object *ns = json_object_array_get_idx(nss, i), *type;

		if (json_object_object_get_ex(ns, "type", &type) &&
		    json_object_is_type(type, json_type_string) &&
		    streq(json_object_get_string(type), "mount"))
			return true;
	}
	return false;
}

int binds_from_config(const char *json, size_t len, struct binds *ret)
{
	_cleanup_json_ json_object *root = NULL;
	struct binds b = {};
	json_object *mounts;
	int r;

	r = json_parse_strict(json, len, OCI_JSON_MAX_DEPTH, &root);
	if (r < 0)
		return r;
	if (!json_object_is_type(root, json_type_object))
		return -EINVAL;
	b.host_mount_ns = !has_mount_namespace(root);
	if (json_object_object_get_ex(root, "mounts", &mounts) &&
	    json_object_is_type(mounts, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(mounts); i++) {
			json_object *m = json_object_array_get_idx(mounts, i), *dest, *src, *type;
			bool is_bind;

			if (!json_object_object_get_ex(m, "destination", &dest) ||
			    !json_object_object_get_ex(m, "source", &src) ||
			    !json_object_is_type(dest, json_type_string) ||
			    !json_object_is_type(src, json_type_string))
				continue;
			is_bind = has_option(m, "bind") || has_option(m, "rbind") ||
				  (json_object_object_get_ex(m, "type", &type) &&
				   json_object_is_type(type, json_type_string) &&
				   streq(json_object_get_string(type), "bind"));
			if (!is_bind)
				continue;
			/* "rro" is recursively read-only (Kubernetes'
			 * recursiveReadOnly). An "ro" with a later "rw" is
			 * writable to the runtime, read-only here: that
			 * only ever leaves the container's things in place. */
			r = binds_add(&b, json_object_get_string(dest), json_object_get_string(src), NULL,
				      has_option(m, "ro") || has_option(m, "rro"));
			if (r < 0) {
				binds_done(&b);
				return r;
			}
		}
	}
	*ret = b;
	return 0;
}

int binds_from_bundle(const char *bundle, struct binds *ret)
{
	_cleanup_close_ int dirfd = -EBADF;
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	dirfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return -errno;
	r = read_file_limited(dirfd, "config.json", BUNDLE_CONFIG_MAX_BYTES, &text, &len);
	if (r < 0)
		return r;
	return binds_from_config(text, len, ret);
}

int binds_to_json(const struct binds *b, json_object **ret)
{
	json_object *arr = json_object_new_array();

	if (!arr)
		return -ENOMEM;
	for (size_t i = 0; i < b->n; i++) {
		json_object *o = json_object_new_object();

		if (!o) {
			json_object_put(arr);
			return -ENOMEM;
		}
		json_object_object_add(o, "destination", json_object_new_string(b->v[i].destination));
		json_object_object_add(o, "source", json_object_new_string(b->v[i].source));
		if (b->v[i].real)
			json_object_object_add(o, "real", json_object_new_string(b->v[i].real));
		json_object_object_add(o, "readonly", json_object_new_boolean(b->v[i].readonly));
		json_object_array_add(arr, o);
	}
	*ret = arr;
	return 0;
}

int binds_from_json(json_object *o, bool host_mount_ns, struct binds *ret)
{
	struct binds b = { .host_mount_ns = host_mount_ns };

	if (!json_object_is_type(o, json_type_array))
		return -EINVAL;
	for (size_t i = 0; i < json_object_array_length(o); i++) {
		json_object *m = json_object_array_get_idx(o, i), *dest, *src, *real = NULL, *ro = NULL;
		char norm_real[PATH_MAX];
		int r;

		if (!json_object_object_get_ex(m, "destination", &dest) ||
		    !json_object_object_get_ex(m, "source", &src) ||
		    !json_object_is_type(dest, json_type_string) ||
		    !json_object_is_type(src, json_type_string) ||
		    (json_object_object_get_ex(m, "real", &real) &&
		     (!json_object_is_type(real, json_type_string) ||
		      path_normalize(json_object_get_string(real), norm_real, sizeof(norm_real)) < 0)) ||
		    (json_object_object_get_ex(m, "readonly", &ro) && !json_object_is_type(ro, json_type_boolean))) {
			binds_done(&b);
			return -EINVAL;
		}
		/* A state written before "readonly" existed: writable, as it was
		 * then treated. */
		r = binds_add(&b, json_object_get_string(dest), json_object_get_string(src),
			      real ? norm_real : NULL, ro && json_object_get_boolean(ro));
		if (r < 0) {
			binds_done(&b);
			return r;
		}
	}
	*ret = b;
	return 0;
}

int binds_resolve(struct binds *b)
{
	for (size_t i = 0; i < b->n; i++) {
		_cleanup_free_ char *real = realpath(b->v[i].source, NULL);

		if (!real) {
			if (errno == ENOMEM)
				return -ENOMEM;
			continue;
		}
		free(b->v[i].real);
		b->v[i].real = TAKE_PTR(real);
	}
	return 0;
}

int binds_translate(const struct binds *b, const char *container_path, char *buf, size_t size)
{
	char norm[PATH_MAX];
	const struct bind *best = NULL;
	size_t best_len = 0;
	int r;

	r = path_normalize(container_path, norm, sizeof(norm));
	if (r < 0)
		return r;
	/* Later mounts shadow earlier ones at the same destination. */
	for (size_t i = 0; i < b->n; i++) {
		const char *d = b->v[i].destination;
		size_t n = strlen(d);

		if (streq(d, "/"))
			n = 0;
		else if (strncmp(norm, d, n) != 0 || (norm[n] != '/' && norm[n] != '\0'))
			continue;
		if (!best || n >= best_len) {
			best = &b->v[i];
			best_len = n;
		}
	}
	if (!best) {
		if (!b->host_mount_ns)
			return -ENOENT;
		r = copy_str(buf, size, norm);
	} else {
		const char *src = best->real ? best->real : best->source;

		r = path_printf(buf, size, "%s%s", streq(src, "/") ? "" : src, norm + best_len);
	}
	if (r < 0)
		return r;
	return buf[0] == '\0' ? copy_str(buf, size, "/") : 0;
}
