/**
 * @file fuzz_ws.c  libFuzzer harness for the messages of an event channel
 * (src/signal/wsmsg.c): a refusal says why; what parses has the fields of
 * its type, in range.
 */
#include <stdlib.h>
#include <string.h>

#include "signal/signal_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tes__ws_msg m;
	char err[256] = "";

	if (tes__ws_parse(&m, (const char *)data, size, err, sizeof(err))) {
		if (!err[0] || m.j)
			abort();
		return 0;
	}
	switch (m.type) {
	case TES__WS_PING:
		break;
	case TES__WS_ANSWER:
		if (!m.sdp)
			abort();
		(void)strlen(m.sdp);
		break;
	case TES__WS_VIEW:
		if (!m.publisher || m.width > TES__WS_VIEW_MAX ||
		    m.height > TES__WS_VIEW_MAX)
			abort();
		break;
	default:
		abort();
	}
	tes__ws_msg_free(&m);

	return 0;
}
