/* SPDX-License-Identifier: MIT */
/*
 * json_writer.h - the one JSON writer of the memwire CLI.
 */
#ifndef MEMWIRE_CLI_JSON_WRITER_H
#define MEMWIRE_CLI_JSON_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct json_writer json_writer_t;

json_writer_t *jsonw_new(FILE *f, bool pretty);
/* Asserts every object/array was closed; ends the document with '\n'. */
void jsonw_destroy(json_writer_t **self);

void jsonw_start_object(json_writer_t *self);
void jsonw_end_object(json_writer_t *self);
void jsonw_start_array(json_writer_t *self);
void jsonw_end_array(json_writer_t *self);
void jsonw_name(json_writer_t *self, const char *name);

void jsonw_string(json_writer_t *self, const char *value);
void jsonw_uint(json_writer_t *self, uint64_t value);
void jsonw_int(json_writer_t *self, int64_t value);
void jsonw_float(json_writer_t *self, double value);
void jsonw_bool(json_writer_t *self, bool value);
void jsonw_null(json_writer_t *self);

/* Writes @s as a JSON string literal (quotes included) to @f. */
void json_escape(FILE *f, const char *s);

#endif
