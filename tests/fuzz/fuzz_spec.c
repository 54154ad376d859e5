/*
 * Fuzz target for the spec parser: any bytes as a .perfwarden file. A spec
 * that parses must write back out and parse again (the round trip `spec
 * check` and `init` rely on); anything else must come back as an error,
 * never a crash, a leak or a hang.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "spec.h"
#include "strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_error err = PW_ERROR_INIT;
	struct spec *spec = NULL, *again = NULL;
	struct strbuf out = STRBUF_INIT;

	if (size > 64 * 1024)
		return 0;
	if (spec_parse_buffer(&spec, data, size, "fuzz.perfwarden", &err) == 0) {
		spec_write(spec, &out);
		if (spec_parse_buffer(&again, out.buf, out.len, "written.perfwarden", &err) != 0)
			abort(); /* what spec_write() wrote must parse */
		spec_free(again);
		spec_free(spec);
	}
	strbuf_release(&out);
	pw_error_release(&err);
	return 0;
}
