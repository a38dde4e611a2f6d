/**
 * @file wsmsg.c  The messages a participant may send on its event channel
 * (JSON text): {"type": "ping"}, {"type": "answer", "sdp": ...} and
 * {"type": "view", "publisher": id, "width": W, "height": H}.
 */
#include <stdio.h>
#include <string.h>

#include "signal/signal_int.h"

int tes__ws_parse(struct tes__ws_msg *m, const char *text, size_t len,
		  char *err, size_t errlen)
{
	json_error_t jerr;
	const char *type = NULL;
	json_int_t w = 0, h = 0;

	memset(m, 0, sizeof(*m));
	m->j = json_loadb(text, len, 0, &jerr);
	if (!m->j || json_unpack_ex(m->j, &jerr, 0, "{s:s}", "type", &type)) {
		snprintf(err, errlen, "a message is a JSON object with "
			 "\"type\": %s", jerr.text);
		goto bad;
	}
	if (!strcmp(type, "ping")) {
		m->type = TES__WS_PING;
		return 0;
	}
	if (!strcmp(type, "answer")) {
		if (json_unpack_ex(m->j, &jerr, 0, "{s:s}", "sdp", &m->sdp)) {
			snprintf(err, errlen, "an answer needs \"sdp\"");
			goto bad;
		}
		m->type = TES__WS_ANSWER;
		return 0;
	}
	if (!strcmp(type, "view")) {
		if (json_unpack_ex(m->j, &jerr, 0, "{s:s,s:I,s:I}",
				   "publisher", &m->publisher, "width", &w,
				   "height", &h) ||
		    w < 0 || h < 0 || w > TES__WS_VIEW_MAX ||
		    h > TES__WS_VIEW_MAX) {
			snprintf(err, errlen, "a view is {\"publisher\": id, "
				 "\"width\": W, \"height\": H} (0..%d)",
				 TES__WS_VIEW_MAX);
			goto bad;
		}
		m->type = TES__WS_VIEW;
		m->width = (unsigned)w;
		m->height = (unsigned)h;
		return 0;
	}
	snprintf(err, errlen, "unknown message type \"%.64s\"", type);

 bad:
	tes__ws_msg_free(m);
	return -EBADMSG;
}

void tes__ws_msg_free(struct tes__ws_msg *m)
{
	json_decref(m->j);
	memset(m, 0, sizeof(*m));
}
