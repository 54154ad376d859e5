/*
 * Fuzz target for the harness readers: the first byte picks the format
 * (google-benchmark, hyperfine, pytest-benchmark, go-bench, catch2, json,
 * lines), the rest is what the benchmark printed. A report either parses
 * into at least one case with finite, named series or is refused with a
 * message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pw_error err = PW_ERROR_INIT;
	struct harness_report report = HARNESS_REPORT_INIT;
	enum harness_format format;

	if (!size)
		return 0;
	format = (enum harness_format)(data[0] % (HARNESS_LINES + 1));
	if (harness_parse(format, (const char *)data + 1, size - 1, "fuzz", &report, &err) == 0) {
		if (!report.nr)
			abort(); /* a parsed report holds at least one case */
		harness_report_release(&report);
	} else if (!strcmp(pw_error_message(&err), "unknown error")) {
		abort(); /* every refusal says why */
	}
	pw_error_release(&err);
	return 0;
}
