/*
 * Fuzz target for output verification: the input is split at the first two
 * NUL bytes into a golden .sum, a golden .out and the benchmark's output,
 * compared with and without a tolerance. Garbled golden sets are refused;
 * outputs get a verdict; nothing crashes.
 */
#include <stdint.h>
#include <string.h>

#include "error.h"
#include "strbuf.h"
#include "verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *a, *b;
	struct verify_options tolerant = VERIFY_OPTIONS_INIT;
	int pass;

	if (size > 256 * 1024 || !(a = memchr(p, 0, size)) ||
	    !(b = memchr(a + 1, 0, (size_t)(end - a - 1))))
		return 0;
	tolerant.tolerance = 0.5;
	for (pass = 0; pass < 2; pass++) {
		struct pw_error err = PW_ERROR_INIT;
		struct verify_report rep;
		struct strbuf text = STRBUF_INIT;

		verify_report_init(&rep);
		if (verify_buffers(&rep, p, (size_t)(a - p), a + 1, (size_t)(b - a - 1), b + 1,
		                   (size_t)(end - b - 1), pass ? &tolerant : NULL, &err) == 0)
			verify_report_format(&rep, &text);
		strbuf_release(&text);
		verify_report_release(&rep);
		pw_error_release(&err);
	}
	return 0;
}
