/**
 * @file test_sip.c  The SIP thread against a raw SIP client over UDP: an
 * INVITE reaches the loop thread's handler with its room, caller and SDP;
 * the handler's answers (a refusal with a reason, a 200 with SDP) go out;
 * a BYE ends the call; OPTIONS is answered.  Under TSan this checks the
 * queues between the two threads.
 */
#include <arpa/inet.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/conf.h"
#include "sip/sip.h"
#include "test.h"

struct seen {
	struct tes_sip *sip;
	int invites;
	int acks;
	int ended;
	uint32_t slow_call;
	char room[TES_SIP_USER_MAX + 1];
	char from[TES_SIP_NAME_MAX + 1];
	char sdp[256];
	char why[64];
};

static const char ANSWER[] = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
			     "c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
			     "m=audio 4000 RTP/AVP 0\r\n";

static void on_event(const struct tes_sip_event *ev, void *arg)
{
	struct seen *s = arg;

	switch (ev->type) {
	case TES_SIP_INVITE:
		s->invites++;
		snprintf(s->room, sizeof(s->room), "%s", ev->room);
		snprintf(s->from, sizeof(s->from), "%s", ev->from);
		snprintf(s->sdp, sizeof(s->sdp), "%s", ev->sdp ? ev->sdp : "");
		if (!strcmp(ev->room, "open"))
			tes_sip_respond(s->sip, ev->call, 200, NULL, ANSWER);
		else if (!strcmp(ev->room, "slow"))
			s->slow_call = ev->call; /* answered later */
		else
			tes_sip_respond(s->sip, ev->call, 404,
					"no room \"x\"\r\nInjected: 1", NULL);
		break;
	case TES_SIP_ACK:
		s->acks++;
		break;
	case TES_SIP_ENDED:
		s->ended++;
		snprintf(s->why, sizeof(s->why), "%s", ev->why);
		break;
	case TES_SIP_REINVITE:
		break;
	}
}

static uint16_t free_udp_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	uint16_t port = 0;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && !bind(fd, (struct sockaddr *)&a, sizeof(a)) &&
	    !getsockname(fd, (struct sockaddr *)&a, &len))
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);

	return port;
}

/* run the loop until a datagram that contains want comes, or 3 s pass */
static bool wait_for(uv_loop_t *loop, int fd, const char *want, char *buf,
		     size_t cap)
{
	for (int i = 0; i < 1500; i++) {
		ssize_t n;

		uv_run(loop, UV_RUN_NOWAIT);
		n = recv(fd, buf, cap - 1, MSG_DONTWAIT);
		if (n > 0) {
			buf[n] = '\0';
			if (strstr(buf, want))
				return true;
		}
		poll(NULL, 0, 2);
	}

	return false;
}

static void pump(uv_loop_t *loop, int ms)
{
	for (int i = 0; i < ms / 2; i++) {
		uv_run(loop, UV_RUN_NOWAIT);
		poll(NULL, 0, 2);
	}
}

static void send_req(int fd, uint16_t port, const char *method,
		     const char *user, const char *call_id, int cseq,
		     const char *to_tag, const char *body)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(port)};
	struct sockaddr_in me;
	socklen_t len = sizeof(me);
	char msg[2048];
	int n;

	getsockname(fd, (struct sockaddr *)&me, &len);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	n = snprintf(msg, sizeof(msg),
		     "%s sip:%s@127.0.0.1:%u SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bK%s%d%s\r\n"
		     "Max-Forwards: 70\r\n"
		     "From: \"Unit Tester\" <sip:tester@127.0.0.1>;tag=t1\r\n"
		     "To: <sip:%s@127.0.0.1>%s%s\r\n"
		     "Call-ID: %s@127.0.0.1\r\n"
		     "CSeq: %d %s\r\n"
		     "Contact: <sip:tester@127.0.0.1:%u>\r\n"
		     "%s"
		     "Content-Length: %zu\r\n\r\n%s",
		     method, user, port, ntohs(me.sin_port), call_id, cseq,
		     /* a CANCEL is of the INVITE's transaction */
		     strcmp(method, "CANCEL") ? method : "INVITE", user, to_tag ? ";tag=" : "", to_tag ? to_tag : "",
		     call_id, cseq, method, ntohs(me.sin_port),
		     body ? "Content-Type: application/sdp\r\n" : "",
		     body ? strlen(body) : 0, body ? body : "");
	(void)sendto(fd, msg, (size_t)n, 0, (struct sockaddr *)&a, sizeof(a));
}

/* the tag of the To header in a response */
static void to_tag(const char *resp, char *tag, size_t cap)
{
	const char *to = strstr(resp, "\nTo:");
	const char *t = to ? strstr(to, "tag=") : NULL;
	size_t n = 0;

	tag[0] = '\0';
	if (!t)
		return;
	t += 4;
	while (t[n] && t[n] != '\r' && t[n] != ';' && n + 1 < cap)
		n++;
	memcpy(tag, t, n);
	tag[n] = '\0';
}

TES_TEST(sip_thread_invite_refusal_answer_bye_options)
{
	static const char OFFER[] = "v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\n"
				    "s=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
				    "m=audio 5000 RTP/AVP 0\r\n";
	struct tes_conf conf;
	struct seen seen = {0};
	uv_loop_t loop;
	char buf[4096], tag[64];
	int fd, ret = 1;
	struct sockaddr_in a = {.sin_family = AF_INET};

	tes_conf_defaults(&conf);
	conf.sip_port = free_udp_port();
	TEST_ASSERT(conf.sip_port);
	uv_loop_init(&loop);
	if (tes_sip_alloc(&seen.sip, &loop, &conf, on_event, &seen))
		TEST_FAIL("tes_sip_alloc");

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	TEST_ASSERT(fd >= 0 && !bind(fd, (struct sockaddr *)&a, sizeof(a)));

	/* refused: the handler's status and reason, as a Warning; the reason's
	 * line break cannot inject a header */
	send_req(fd, conf.sip_port, "INVITE", "nowhere", "c1", 1, NULL,
		 OFFER);
	if (!wait_for(&loop, fd, "SIP/2.0 404", buf, sizeof(buf)))
		TEST_FAIL("no 404");
	TEST_ASSERT(seen.invites == 1);
	TEST_ASSERT(!strcmp(seen.room, "nowhere"));
	TEST_ASSERT(!strcmp(seen.from, "Unit Tester"));
	TEST_ASSERT(strstr(seen.sdp, "m=audio 5000") != NULL);
	TEST_ASSERT(strstr(buf, "Warning: 399") != NULL);
	TEST_ASSERT(strstr(buf, "\r\nInjected:") == NULL);

	/* answered with SDP; ACK; the caller's BYE ends it */
	send_req(fd, conf.sip_port, "INVITE", "open", "c2", 1, NULL, OFFER);
	if (!wait_for(&loop, fd, "SIP/2.0 200", buf, sizeof(buf)))
		TEST_FAIL("no 200");
	TEST_ASSERT(strstr(buf, "m=audio 4000 RTP/AVP 0") != NULL);
	to_tag(buf, tag, sizeof(tag));
	TEST_ASSERT(tag[0]);
	send_req(fd, conf.sip_port, "ACK", "open", "c2", 1, tag, NULL);
	pump(&loop, 100);
	TEST_ASSERT(seen.acks == 1);
	send_req(fd, conf.sip_port, "BYE", "open", "c2", 2, tag, NULL);
	if (!wait_for(&loop, fd, "CSeq: 2 BYE", buf, sizeof(buf)))
		TEST_FAIL("no answer to BYE");
	TEST_ASSERT(strstr(buf, "SIP/2.0 200") != NULL);
	pump(&loop, 100);
	TEST_ASSERT(seen.ended == 1 && !strcmp(seen.why, "BYE"));

	/* CANCEL of an INVITE the loop has not answered yet: 487 for the
	 * INVITE, the call ends, and the late answer goes nowhere */
	send_req(fd, conf.sip_port, "INVITE", "slow", "c4", 1, NULL, OFFER);
	pump(&loop, 100);
	TEST_ASSERT(seen.slow_call);
	send_req(fd, conf.sip_port, "CANCEL", "slow", "c4", 1, NULL, NULL);
	if (!wait_for(&loop, fd, "SIP/2.0 487", buf, sizeof(buf)))
		TEST_FAIL("no 487 after CANCEL");
	pump(&loop, 100);
	TEST_ASSERT(seen.ended == 2 && !strcmp(seen.why, "CANCEL"));
	tes_sip_respond(seen.sip, seen.slow_call, 200, NULL, ANSWER);
	pump(&loop, 100);

	/* OPTIONS (keep-alive, capabilities) */
	send_req(fd, conf.sip_port, "OPTIONS", "open", "c3", 1, NULL, NULL);
	if (!wait_for(&loop, fd, "CSeq: 1 OPTIONS", buf, sizeof(buf)))
		TEST_FAIL("no answer to OPTIONS");
	TEST_ASSERT(strstr(buf, "SIP/2.0 200") != NULL);
	ret = 0;

	close(fd);
	tes_sip_close(seen.sip);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);

	return ret;
}
