// SPDX-License-Identifier: GPL-2.0
/*
 * devpath.c - parse hide= and guestdev= names; see devpath.h.
 */
#include "devpath.h"

/* An entry being parsed: s[start, end) of the whole string. */
struct cursor {
	const char *s;
	unsigned int pos;
	unsigned int start;
	unsigned int end;
	struct devpath_error *err;
};

static int fail(struct cursor *c, unsigned int pos, const char *why)
{
	c->err->pos = pos;
	c->err->entry = c->start;
	c->err->entry_len = c->end - c->start;
	c->err->why = why;
	return -1;
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static int hex_value(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static bool is_id_char(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= 'a' && ch <= 'z') || ch == '_';
}

/* A hex number of 1 to @digits digits, at most @limit. */
static int parse_hex(struct cursor *c, unsigned int digits, unsigned int limit,
		     const char *what, u16 *out)
{
	unsigned int begin = c->pos, val = 0, n = 0;

	while (c->pos < c->end && hex_value(c->s[c->pos]) >= 0) {
		val = val * 16 + hex_value(c->s[c->pos]);
		c->pos++;
		if (++n > digits)
			return fail(c, begin, what);
	}
	if (!n || val > limit)
		return fail(c, begin, what);
	*out = val;
	return 0;
}

static int expect(struct cursor *c, char ch, const char *why)
{
	if (c->pos >= c->end || c->s[c->pos] != ch)
		return fail(c, c->pos, why);
	c->pos++;
	return 0;
}

static bool at(const struct cursor *c, char ch)
{
	return c->pos < c->end && c->s[c->pos] == ch;
}

/* "[dddd:]bb:dd.f" with "*" for the function, or for slot and function. */
static int parse_bdf(struct cursor *c, struct devpath_name *n)
{
	unsigned int colons = 0, i;

	for (i = c->pos; i < c->end; i++)
		colons += c->s[i] == ':';
	if (colons < 1 || colons > 2)
		return fail(c, c->pos, "not a BDF ([dddd:]bb:dd.f)");

	n->kind = DEVPATH_BDF;
	n->domain = 0;
	if (colons == 2) {
		if (parse_hex(c, 4, 0xffff, "bad domain (hex, at most ffff)", &n->domain) ||
		    expect(c, ':', "expected ':' after the domain"))
			return -1;
	}
	if (parse_hex(c, 2, 0xff, "bad bus (hex, at most ff)", &n->bus) ||
	    expect(c, ':', "expected ':' after the bus"))
		return -1;
	if (at(c, '*')) {
		c->pos++;
		if (expect(c, '.', "expected '.' after the slot"))
			return -1;
		if (!at(c, '*'))
			return fail(c, c->pos, "a '*' slot needs a '*' function");
		c->pos++;
		n->slot = DEVPATH_ANY;
		n->func = DEVPATH_ANY;
	} else {
		if (parse_hex(c, 2, 0x1f, "bad slot (hex, at most 1f)", &n->slot) ||
		    expect(c, '.', "expected '.' after the slot"))
			return -1;
		if (at(c, '*')) {
			c->pos++;
			n->func = DEVPATH_ANY;
		} else if (parse_hex(c, 1, 7, "bad function (0 to 7)", &n->func)) {
			return -1;
		}
	}
	if (c->pos != c->end)
		return fail(c, c->pos, "unexpected character after the BDF");
	return 0;
}

static int parse_id(struct cursor *c, char *out, const char *what)
{
	unsigned int begin = c->pos, n = 0;

	while (c->pos < c->end && is_id_char(c->s[c->pos])) {
		if (n == DEVPATH_ID_LEN)
			return fail(c, begin, what);
		out[n++] = c->s[c->pos++];
	}
	out[n] = 0;
	if (!n)
		return fail(c, begin, what);
	return 0;
}

/* "HID[:UID]-dd.f[-dd.f...]" */
static int parse_acpi_path(struct cursor *c, struct devpath_name *n)
{
	u16 dev, func;

	n->kind = DEVPATH_ACPI;
	n->uid[0] = 0;
	n->nr_hops = 0;
	if (parse_id(c, n->hid, "bad HID (1 to 8 letters, digits or _)"))
		return -1;
	if (at(c, ':')) {
		c->pos++;
		if (parse_id(c, n->uid, "bad UID (1 to 8 letters, digits or _)"))
			return -1;
	}
	if (!at(c, '-'))
		return fail(c, c->pos, "expected '-' and a first hop (dd.f)");
	while (at(c, '-')) {
		c->pos++;
		if (n->nr_hops == DEVPATH_MAX_HOPS)
			return fail(c, c->pos, "too many hops (at most 8)");
		if (parse_hex(c, 2, 0x1f, "bad hop device (hex, at most 1f)", &dev) ||
		    expect(c, '.', "expected '.' in the hop") ||
		    parse_hex(c, 1, 7, "bad hop function (0 to 7)", &func))
			return -1;
		n->hops[n->nr_hops++] = (dev << 3) | func;
	}
	if (c->pos != c->end)
		return fail(c, c->pos, "unexpected character in the path");
	return 0;
}

static bool has_char(const struct cursor *c, char ch)
{
	unsigned int i;

	for (i = c->pos; i < c->end; i++)
		if (c->s[i] == ch)
			return true;
	return false;
}

static int keep_text(struct cursor *c, struct devpath_name *n)
{
	unsigned int len = c->end - c->start, i;

	if (len >= DEVPATH_TEXT_LEN)
		return fail(c, c->start, "entry too long");
	for (i = 0; i < len; i++)
		n->text[i] = c->s[c->start + i];
	n->text[len] = 0;
	return 0;
}

/*
 * An ACPI path has a '-', or starts with something no BDF starts with: more
 * than four characters, or one that is not a hex digit, before the ':'.
 */
static bool looks_like_path(const struct cursor *c)
{
	unsigned int i;

	if (has_char(c, '-'))
		return true;
	for (i = c->pos; i < c->end && c->s[i] != ':'; i++)
		if (i - c->pos >= 4 || hex_value(c->s[i]) < 0)
			return true;
	return false;
}

/* A guestdev= entry (or a bare new_slot entry): a BDF or an ACPI path. */
static int parse_entry(struct cursor *c, struct devpath_name *n)
{
	if (c->start == c->end)
		return fail(c, c->start, "empty entry");
	if (keep_text(c, n))
		return -1;
	if (looks_like_path(c))
		return parse_acpi_path(c, n);
	return parse_bdf(c, n);
}

/* A hide= entry: c covers "(...)", parentheses included. */
static int parse_hide_entry(struct cursor *c, struct devpath_name *n)
{
	struct cursor inner = *c;

	if (keep_text(c, n))
		return -1;
	inner.pos = c->start + 1;
	inner.end = c->end - 1;
	if (inner.pos == inner.end)
		return fail(c, inner.pos, "empty entry");
	if (parse_bdf(&inner, n)) {
		c->err->entry = c->start;	/* quote the parentheses too */
		c->err->entry_len = c->end - c->start;
		return -1;
	}
	return 0;
}

int devpath_parse_hide(const char *s, struct devpath_name *names, int max,
		       struct devpath_error *err)
{
	struct cursor c = { .s = s, .err = err };
	struct devpath_name scratch;
	unsigned int len = 0;
	int count = 0;

	while (s[len])
		len++;
	for (;;) {
		while (c.pos < len && is_space(s[c.pos]))
			c.pos++;
		if (c.pos == len)
			return count;
		c.start = c.pos;
		c.end = c.pos;
		while (c.end < len && s[c.end] != ')')
			c.end++;
		if (s[c.pos] != '(')
			return fail(&c, c.pos, "expected '('");
		if (c.end == len)
			return fail(&c, len, "missing ')'");
		c.end++;
		if (parse_hide_entry(&c, count < max ? &names[count] : &scratch))
			return -1;
		count++;
		c.pos = c.end;
	}
}

int devpath_parse_guestdev(const char *s, struct devpath_name *names, int max,
			   struct devpath_error *err)
{
	struct cursor c = { .s = s, .err = err };
	struct devpath_name scratch;
	unsigned int len = 0;
	int count = 0;

	while (s[len])
		len++;
	if (!len)
		return 0;
	c.start = 0;
	for (;;) {
		c.end = c.start;
		while (c.end < len && s[c.end] != ',')
			c.end++;
		c.pos = c.start;
		if (parse_entry(&c, count < max ? &names[count] : &scratch))
			return -1;
		count++;
		if (c.end == len)
			return count;
		c.start = c.end + 1;
		if (c.start == len) {
			c.end = len;
			return fail(&c, len, "empty entry after ','");
		}
	}
}

int devpath_parse_one(const char *s, struct devpath_name *name,
		      struct devpath_error *err)
{
	struct cursor c = { .s = s, .err = err };
	unsigned int len = 0;

	while (s[len])
		len++;
	/* sysfs writes end in a newline: trailing white space is allowed. */
	while (len && is_space(s[len - 1]))
		len--;
	c.end = len;
	if (len && s[0] == '(') {
		if (s[len - 1] != ')')
			return fail(&c, len, "missing ')'");
		return parse_hide_entry(&c, name);
	}
	return parse_entry(&c, name);
}

static bool id_equal(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

bool devpath_same(const struct devpath_name *a, const struct devpath_name *b)
{
	unsigned int i;

	if (a->kind != b->kind)
		return false;
	if (a->kind == DEVPATH_BDF)
		return a->domain == b->domain && a->bus == b->bus &&
		       a->slot == b->slot && a->func == b->func;
	if (!id_equal(a->hid, b->hid) || !id_equal(a->uid, b->uid))
		return false;
	if (a->nr_hops != b->nr_hops)
		return false;
	for (i = 0; i < a->nr_hops; i++)
		if (a->hops[i] != b->hops[i])
			return false;
	return true;
}

bool devpath_bdf_matches(const struct devpath_name *n, unsigned int domain,
			 unsigned int bus, unsigned int devfn)
{
	return n->kind == DEVPATH_BDF && n->domain == domain && n->bus == bus &&
	       (n->slot == DEVPATH_ANY || n->slot == devfn >> 3) &&
	       (n->func == DEVPATH_ANY || n->func == (devfn & 7));
}
