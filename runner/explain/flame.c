/*
 * The differential flame graph of an explanation: each side's call tree
 * unfolded from callgrind's call graph (caller → callee with the calls'
 * inclusive cost), merged path by path, as d3-flame-graph draws it: the
 * culprit's tree with each frame's change against the baseline's same path.
 */
#include <stdlib.h>
#include <string.h>

#include "explain.h"

#define FLAME_MAX_DEPTH 40
#define FLAME_MIN_SHARE 0.0005

struct frame {
	const char *name;
	double value[2];
	struct frame *children;
	size_t nchildren, alloc;
};

static struct frame *child(struct frame *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->nchildren; i++)
		if (!strcmp(f->children[i].name, name))
			return &f->children[i];
	if (f->nchildren + 1 > f->alloc) {
		f->alloc = f->alloc ? f->alloc * 2 : 4;
		f->children = realloc(f->children, f->alloc * sizeof(*f->children));
		if (!f->children)
			abort();
	}
	memset(&f->children[f->nchildren], 0, sizeof(f->children[0]));
	f->children[f->nchildren].name = name;
	return &f->children[f->nchildren++];
}

static void frame_release(struct frame *f)
{
	size_t i;

	for (i = 0; i < f->nchildren; i++)
		frame_release(&f->children[i]);
	free(f->children);
}

struct unfold {
	const struct profile *pr;
	int side, ev;
	double min;
	size_t path[FLAME_MAX_DEPTH];
};

/* Add function `fn`'s calls below frame `at`, the function costing `value` in this context. */
static void unfold(struct unfold *u, struct frame *at, size_t fn, double value, size_t depth)
{
	const struct profile *pr = u->pr;
	double incl = (double)pr->fns[fn].incl[u->ev];
	size_t i, k;

	if (depth >= FLAME_MAX_DEPTH || incl <= 0)
		return;
	u->path[depth] = fn;
	for (i = 0; i < pr->ncalls; i++) {
		const struct profile_call *c = &pr->calls[i];
		double v;
		int on_path = 0;

		if (c->caller != fn)
			continue;
		for (k = 0; k <= depth; k++)
			on_path |= u->path[k] == c->callee;
		v = (double)c->cost[u->ev] * value / incl;
		if (on_path || v < u->min)
			continue;
		{
			struct frame *f = child(at, pr->fns[c->callee].name);

			f->value[u->side] += v;
			unfold(u, f, c->callee, v, depth + 1);
		}
	}
}

static void side_tree(struct frame *root, const struct profile *pr, int side, int ev, double min)
{
	struct unfold u = {pr, side, ev, min, {0}};
	char *called = calloc(pr->nfns + 1, 1);
	size_t i;

	if (!called)
		abort();
	for (i = 0; i < pr->ncalls; i++)
		if (pr->calls[i].caller != pr->calls[i].callee)
			called[pr->calls[i].callee] = 1;
	root->value[side] = (double)pr->totals[ev];
	for (i = 0; i < pr->nfns; i++) {
		double v = (double)pr->fns[i].incl[ev];
		struct frame *f;

		if (called[i] || v < min)
			continue;
		f = child(root, pr->fns[i].name);
		f->value[side] += v;
		unfold(&u, f, i, v, 0);
	}
	free(called);
}

static json_t *frame_json(const struct frame *f)
{
	json_t *o = json_pack("{s:s, s:I, s:I}", "name", f->name, "value",
	                      (json_int_t)(f->value[1] + 0.5), "delta",
	                      (json_int_t)(f->value[1] - f->value[0] +
	                                   (f->value[1] >= f->value[0] ? 0.5 : -0.5)));
	json_t *kids = json_array();
	size_t i;

	for (i = 0; i < f->nchildren; i++)
		if (f->children[i].value[1] >= 0.5)
			json_array_append_new(kids, frame_json(&f->children[i]));
	json_object_set_new(o, "children", kids);
	return o;
}

json_t *explain_flame_json(const struct explain_result *r)
{
	struct frame root;
	json_t *doc;
	int ev[2];
	int k;

	if (!r->has_time)
		return NULL;
	memset(&root, 0, sizeof(root));
	root.name = "all";
	for (k = 0; k < 2; k++) {
		ev[k] = profile_event(&r->side[k].profile, r->event);
		if (ev[k] < 0)
			ev[k] = 0;
		side_tree(&root, &r->side[k].profile, k, ev[k],
		          FLAME_MIN_SHARE *
		                  (double)(r->total[0] > r->total[1] ? r->total[0] : r->total[1]));
	}
	doc = frame_json(&root);
	frame_release(&root);
	return doc;
}
