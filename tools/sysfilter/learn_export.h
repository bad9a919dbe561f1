/*
 * learn_export.h - `nexus-sysfilter learn-export`: a learned profile as
 * text (docs/sysfilter.md, learn mode).
 */
#ifndef NX_LEARN_EXPORT_H
#define NX_LEARN_EXPORT_H

/* Read `in`: a filter blob (the bytes task_filter_learned wrote), or a
 * simulator recording, which is replayed with `program` (its first
 * program of that name) learning, checked event by event against the
 * recording. Write the profile as text to `out` (NULL: stdout). Returns
 * the tool's exit status: 0, or 1 with one line on stderr saying what
 * went wrong and what to do. */
int nx_learn_export(const char *in, const char *program, const char *out);

#endif /* NX_LEARN_EXPORT_H */
