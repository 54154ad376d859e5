/*
 * runner/service/server.c before any request: listen addresses parse (IPv4, IPv6,
 * names) or are refused naming the address; a public address without a
 * webhook secret is refused before anything is bound; an address already
 * taken by a real socket is reported with the system's reason.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "server.h"

static void test_server__listen_addresses_parse(void **state)
{
	struct strbuf host = STRBUF_INIT;
	struct pw_error err = PW_ERROR_INIT;
	unsigned port = 1;

	(void)state;
	assert_int_equal(server_parse_listen("127.0.0.1:8080", &host, &port, &err), 0);
	assert_string_equal(host.buf, "127.0.0.1");
	assert_int_equal(port, 8080);
	strbuf_reset(&host);
	assert_int_equal(server_parse_listen("[::1]:0", &host, &port, &err), 0);
	assert_string_equal(host.buf, "::1");
	assert_int_equal(port, 0);
	strbuf_reset(&host);
	assert_int_equal(server_parse_listen("localhost:65535", &host, &port, &err), 0);
	assert_string_equal(host.buf, "localhost");
	assert_int_equal(port, 65535);
	strbuf_release(&host);
	pw_error_release(&err);
}

static void test_server__malformed_addresses_are_refused(void **state)
{
	static const char *const bad[] = {"",       "8080",    "127.0.0.1",  ":8080",
	                                  "::1:80", "[::1]80", "host:65536", "host:-1",
	                                  "host:x", "[]:8080"};
	struct strbuf host = STRBUF_INIT;
	struct pw_error err = PW_ERROR_INIT;
	unsigned port;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(server_parse_listen(bad[i], &host, &port, &err), PW_EINVALID);
		assert_non_null(strstr(pw_error_message(&err), "invalid listen address"));
	}
	strbuf_release(&host);
	pw_error_release(&err);
}

static void test_server__a_public_address_needs_a_secret(void **state)
{
	struct config c;
	struct server_options so = {NULL, "0.0.0.0:0", "host=/nonexistent dbname=x", NULL, NULL};
	struct server *srv = (struct server *)&so;
	struct pw_error err = PW_ERROR_INIT;

	(void)state;
	unsetenv("PERFWARDEN_WEBHOOK_SECRET");
	config_init(&c);
	so.config = &c;
	assert_int_equal(server_start(&srv, &so, &err), PW_EINVALID);
	assert_null(srv);
	assert_non_null(strstr(pw_error_message(&err), "without a webhook secret"));
	config_release(&c);
	pw_error_release(&err);
}

static void test_server__an_address_in_use_says_why(void **state)
{
	struct config c;
	struct server_options so = {NULL, NULL, "host=/nonexistent dbname=x", NULL, NULL};
	struct server *srv = NULL;
	struct pw_error err = PW_ERROR_INIT;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	char addr[64];
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	(void)state;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", ntohs(sin.sin_port));
	config_init(&c);
	so.config = &c;
	so.listen = addr;
	assert_int_equal(server_start(&srv, &so, &err), PW_EIO);
	assert_null(srv);
	assert_non_null(strstr(pw_error_message(&err), addr));
	assert_non_null(strstr(pw_error_message(&err), "Address already in use"));
	close(fd);
	config_release(&c);
	pw_error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_server__listen_addresses_parse),
	        cmocka_unit_test(test_server__malformed_addresses_are_refused),
	        cmocka_unit_test(test_server__a_public_address_needs_a_secret),
	        cmocka_unit_test(test_server__an_address_in_use_says_why),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
