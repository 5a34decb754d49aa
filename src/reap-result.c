// SPDX-License-Identifier: LGPL-2.1-or-later
/* A poststop's result; see reap-result.h. */
#include "reap-result.h"
#include "util.h"

int reap_path_add(struct path_list *l, const char *path, uint32_t kind, uint32_t id, int error,
			 const char *why)
{
	struct reap_path *nv;
	char *copy = strdup(path);

	if (!copy)
		return -ENOMEM;
	nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
	if (!nv) {
		free(copy);
		return -ENOMEM;
	}
	l->v = nv;
	l->v[l->n++] = (struct reap_path){ .path = copy, .kind = kind, .id = id, .error = error, .why = why };
	return 0;
}

int reap_path_add_kept(struct path_list *l, const char *path, uint32_t kind, uint32_t id, const char *rule)
{
	int r = reap_path_add(l, path, kind, id, 0, "keep rule");

	if (r == 0)
		l->v[l->n - 1].rule = rule;
	return r;
}

static void path_list_done(struct path_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].path);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void reap_result_done(struct reap_result *r)
{
	for (size_t i = 0; i < r->n_objects; i++) {
		free(r->objects[i].pinned_at);
		free(r->objects[i].attached_at);
	}
	free(r->objects);
	path_list_done(&r->pins_removed);
	path_list_done(&r->pins_kept);
	path_list_done(&r->pins_left);
	path_list_done(&r->dirs_removed);
	path_list_done(&r->dirs_left);
	path_list_done(&r->attach_detached);
	path_list_done(&r->symlinks_removed);
	path_list_done(&r->symlinks_left);
	path_list_done(&r->attach_left);
	path_list_done(&r->attach_kept);
	free(r->unproven);
	free(r->ids_reused);
	path_list_done(&r->pins_unproven);
	memset(r, 0, sizeof(*r));
}

int reap_object_cmp(const void *a, const void *b)
{
	const struct reap_object *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return 0;
}

struct reap_object *reap_find_object(struct reap_result *res, uint32_t kind, uint32_t id)
{
	struct reap_object key = { .kind = kind, .id = id };

	return bsearch(&key, res->objects, res->n_objects, sizeof(key), reap_object_cmp);
}

