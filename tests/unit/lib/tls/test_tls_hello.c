/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of lib/tls/hello.c: ClientHellos captured from Python's ssl
 * module (OpenSSL 3.0) parsed whole, byte by byte (every prefix must ask
 * for more) and re-framed over several records; synthetic ClientHellos
 * built field by field for the edge cases and the malformed inputs; and
 * server name ranking. The scratch buffer has a guard after its
 * GW_TLS_HELLO_MAX bytes, and the input is a heap copy of exactly its
 * length, so writes past the scratch and (under ASan or valgrind) reads
 * past the input are caught.
 *
 * Tests named test_bug_* reproduce bugs found (and fixed) in
 * lib/tls/hello.c: a 4-byte write past the scratch, and a second trailing
 * dot left in the server name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gw_tls_hello.h"

/* ---- ClientHellos captured from Python: ssl.SSLContext(PROTOCOL_TLS_CLIENT)
 * .wrap_bio(MemoryBIO(), out, server_hostname=...), do_handshake() raises
 * SSLWantReadError, out.read() is the first flight: one handshake record. */

/* Python ssl (OpenSSL 3.0) client, server_hostname "www.example.com",
 * ALPN h2 + http/1.1: TLS 1.3 and 1.2 offered, 32-byte session id. */
static const uint8_t hello_tls13[517] = {
	0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0x95,
	0x6a, 0x62, 0x81, 0x8c, 0x6d, 0x67, 0x64, 0x90, 0x35, 0xe7, 0x0d, 0x58,
	0x19, 0xb7, 0x4c, 0x74, 0xac, 0x89, 0xbc, 0xa1, 0x3d, 0x42, 0x3a, 0x53,
	0xbb, 0xeb, 0x76, 0xf0, 0xff, 0x01, 0xda, 0x20, 0x53, 0x28, 0x07, 0xf0,
	0xb9, 0x6e, 0xcc, 0x1d, 0x43, 0x26, 0x49, 0xcd, 0x86, 0x2b, 0xce, 0x4e,
	0xa5, 0x60, 0xad, 0xea, 0x1f, 0x91, 0x34, 0xe9, 0x2b, 0xa1, 0xb1, 0x74,
	0x3b, 0xb4, 0xca, 0x7b, 0x00, 0x24, 0x13, 0x02, 0x13, 0x03, 0x13, 0x01,
	0xc0, 0x2c, 0xc0, 0x30, 0xc0, 0x2b, 0xc0, 0x2f, 0xcc, 0xa9, 0xcc, 0xa8,
	0xc0, 0x24, 0xc0, 0x28, 0xc0, 0x23, 0xc0, 0x27, 0x00, 0x9f, 0x00, 0x9e,
	0x00, 0x6b, 0x00, 0x67, 0x00, 0xff, 0x01, 0x00, 0x01, 0x8f, 0x00, 0x00,
	0x00, 0x14, 0x00, 0x12, 0x00, 0x00, 0x0f, 0x77, 0x77, 0x77, 0x2e, 0x65,
	0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x63, 0x6f, 0x6d, 0x00, 0x0b,
	0x00, 0x04, 0x03, 0x00, 0x01, 0x02, 0x00, 0x0a, 0x00, 0x16, 0x00, 0x14,
	0x00, 0x1d, 0x00, 0x17, 0x00, 0x1e, 0x00, 0x19, 0x00, 0x18, 0x01, 0x00,
	0x01, 0x01, 0x01, 0x02, 0x01, 0x03, 0x01, 0x04, 0x00, 0x23, 0x00, 0x00,
	0x00, 0x10, 0x00, 0x0e, 0x00, 0x0c, 0x02, 0x68, 0x32, 0x08, 0x68, 0x74,
	0x74, 0x70, 0x2f, 0x31, 0x2e, 0x31, 0x00, 0x16, 0x00, 0x00, 0x00, 0x17,
	0x00, 0x00, 0x00, 0x0d, 0x00, 0x2a, 0x00, 0x28, 0x04, 0x03, 0x05, 0x03,
	0x06, 0x03, 0x08, 0x07, 0x08, 0x08, 0x08, 0x09, 0x08, 0x0a, 0x08, 0x0b,
	0x08, 0x04, 0x08, 0x05, 0x08, 0x06, 0x04, 0x01, 0x05, 0x01, 0x06, 0x01,
	0x03, 0x03, 0x03, 0x01, 0x03, 0x02, 0x04, 0x02, 0x05, 0x02, 0x06, 0x02,
	0x00, 0x2b, 0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03, 0x00, 0x2d, 0x00,
	0x02, 0x01, 0x01, 0x00, 0x33, 0x00, 0x26, 0x00, 0x24, 0x00, 0x1d, 0x00,
	0x20, 0x31, 0x9c, 0x09, 0x85, 0xb1, 0x98, 0x6a, 0xa2, 0xe4, 0xc4, 0x28,
	0xf1, 0xa8, 0x95, 0xe4, 0x4f, 0x20, 0x30, 0xc2, 0x45, 0xd7, 0x6d, 0x09,
	0x68, 0xe2, 0x41, 0x76, 0xc9, 0x35, 0x77, 0x30, 0x36, 0x00, 0x15, 0x00,
	0xcc, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00
};

/* The same client without server_hostname and ALPN. */
static const uint8_t hello_nosni[517] = {
	0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0xd6,
	0x4f, 0x54, 0xd7, 0x29, 0x31, 0x95, 0x34, 0x4f, 0xfb, 0x32, 0x09, 0x78,
	0x03, 0xdc, 0x33, 0x2e, 0x34, 0xc4, 0xb8, 0x0a, 0xd7, 0xae, 0x95, 0x2c,
	0xb9, 0xd0, 0xbd, 0xe5, 0x38, 0xc8, 0x40, 0x20, 0x24, 0x10, 0xc7, 0xc5,
	0xb4, 0xf3, 0x92, 0xbb, 0x85, 0xce, 0x9f, 0xf3, 0x3f, 0x60, 0xdc, 0x7e,
	0x1b, 0xe0, 0xd1, 0x26, 0x00, 0x6a, 0x8f, 0x5d, 0x7e, 0xa9, 0x12, 0xf8,
	0x63, 0x03, 0xc2, 0xc5, 0x00, 0x24, 0x13, 0x02, 0x13, 0x03, 0x13, 0x01,
	0xc0, 0x2c, 0xc0, 0x30, 0xc0, 0x2b, 0xc0, 0x2f, 0xcc, 0xa9, 0xcc, 0xa8,
	0xc0, 0x24, 0xc0, 0x28, 0xc0, 0x23, 0xc0, 0x27, 0x00, 0x9f, 0x00, 0x9e,
	0x00, 0x6b, 0x00, 0x67, 0x00, 0xff, 0x01, 0x00, 0x01, 0x8f, 0x00, 0x0b,
	0x00, 0x04, 0x03, 0x00, 0x01, 0x02, 0x00, 0x0a, 0x00, 0x16, 0x00, 0x14,
	0x00, 0x1d, 0x00, 0x17, 0x00, 0x1e, 0x00, 0x19, 0x00, 0x18, 0x01, 0x00,
	0x01, 0x01, 0x01, 0x02, 0x01, 0x03, 0x01, 0x04, 0x00, 0x23, 0x00, 0x00,
	0x00, 0x16, 0x00, 0x00, 0x00, 0x17, 0x00, 0x00, 0x00, 0x0d, 0x00, 0x2a,
	0x00, 0x28, 0x04, 0x03, 0x05, 0x03, 0x06, 0x03, 0x08, 0x07, 0x08, 0x08,
	0x08, 0x09, 0x08, 0x0a, 0x08, 0x0b, 0x08, 0x04, 0x08, 0x05, 0x08, 0x06,
	0x04, 0x01, 0x05, 0x01, 0x06, 0x01, 0x03, 0x03, 0x03, 0x01, 0x03, 0x02,
	0x04, 0x02, 0x05, 0x02, 0x06, 0x02, 0x00, 0x2b, 0x00, 0x05, 0x04, 0x03,
	0x04, 0x03, 0x03, 0x00, 0x2d, 0x00, 0x02, 0x01, 0x01, 0x00, 0x33, 0x00,
	0x26, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20, 0x3d, 0x4f, 0x9d, 0x36, 0x59,
	0xe4, 0x86, 0xb8, 0xf8, 0xcb, 0xcf, 0x08, 0x30, 0x75, 0xdf, 0x69, 0xca,
	0x0b, 0x5c, 0x0e, 0xc8, 0x02, 0x75, 0x88, 0x1f, 0xee, 0xee, 0x4e, 0x7d,
	0x8c, 0xb6, 0x29, 0x00, 0x15, 0x00, 0xf6, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00
};

/* server_hostname "API.Example.COM." (upper case, trailing dot), no ALPN. */
static const uint8_t hello_upper[517] = {
	0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0x51,
	0x3d, 0xce, 0xa4, 0x68, 0x16, 0x5b, 0xab, 0x7e, 0x6c, 0xba, 0x3a, 0x63,
	0x95, 0x3e, 0x63, 0xdf, 0xbf, 0xca, 0x83, 0x14, 0x65, 0x0c, 0xc3, 0x5c,
	0x10, 0x95, 0x4f, 0xf7, 0xa0, 0x64, 0xec, 0x20, 0x3c, 0x42, 0x88, 0xcc,
	0x6c, 0xc4, 0x3b, 0x0c, 0xb9, 0x9e, 0xc7, 0x4f, 0x23, 0x07, 0x01, 0xbb,
	0x50, 0xbb, 0x49, 0x3f, 0x9d, 0x76, 0x24, 0x8c, 0xb3, 0xf1, 0xd8, 0x67,
	0xbd, 0x8a, 0x54, 0xd4, 0x00, 0x24, 0x13, 0x02, 0x13, 0x03, 0x13, 0x01,
	0xc0, 0x2c, 0xc0, 0x30, 0xc0, 0x2b, 0xc0, 0x2f, 0xcc, 0xa9, 0xcc, 0xa8,
	0xc0, 0x24, 0xc0, 0x28, 0xc0, 0x23, 0xc0, 0x27, 0x00, 0x9f, 0x00, 0x9e,
	0x00, 0x6b, 0x00, 0x67, 0x00, 0xff, 0x01, 0x00, 0x01, 0x8f, 0x00, 0x00,
	0x00, 0x15, 0x00, 0x13, 0x00, 0x00, 0x10, 0x41, 0x50, 0x49, 0x2e, 0x45,
	0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x43, 0x4f, 0x4d, 0x2e, 0x00,
	0x0b, 0x00, 0x04, 0x03, 0x00, 0x01, 0x02, 0x00, 0x0a, 0x00, 0x16, 0x00,
	0x14, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x1e, 0x00, 0x19, 0x00, 0x18, 0x01,
	0x00, 0x01, 0x01, 0x01, 0x02, 0x01, 0x03, 0x01, 0x04, 0x00, 0x23, 0x00,
	0x00, 0x00, 0x16, 0x00, 0x00, 0x00, 0x17, 0x00, 0x00, 0x00, 0x0d, 0x00,
	0x2a, 0x00, 0x28, 0x04, 0x03, 0x05, 0x03, 0x06, 0x03, 0x08, 0x07, 0x08,
	0x08, 0x08, 0x09, 0x08, 0x0a, 0x08, 0x0b, 0x08, 0x04, 0x08, 0x05, 0x08,
	0x06, 0x04, 0x01, 0x05, 0x01, 0x06, 0x01, 0x03, 0x03, 0x03, 0x01, 0x03,
	0x02, 0x04, 0x02, 0x05, 0x02, 0x06, 0x02, 0x00, 0x2b, 0x00, 0x05, 0x04,
	0x03, 0x04, 0x03, 0x03, 0x00, 0x2d, 0x00, 0x02, 0x01, 0x01, 0x00, 0x33,
	0x00, 0x26, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20, 0xfa, 0x84, 0xad, 0x7c,
	0x16, 0x7f, 0xb4, 0x9c, 0xa0, 0xb9, 0x77, 0xc9, 0xe5, 0x19, 0x09, 0xc1,
	0x15, 0x0f, 0xef, 0x21, 0x5c, 0x2e, 0x9a, 0x13, 0xdb, 0x96, 0xc4, 0x9b,
	0xdc, 0xdb, 0xdb, 0x6b, 0x00, 0x15, 0x00, 0xdd, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00
};

/* maximum_version TLS 1.2, server_hostname "legacy.example.org", ALPN
 * http/1.1: no supported_versions extension, empty session id. */
static const uint8_t hello_tls12[204] = {
	0x16, 0x03, 0x01, 0x00, 0xc7, 0x01, 0x00, 0x00, 0xc3, 0x03, 0x03, 0x49,
	0x34, 0x10, 0x29, 0xef, 0xfb, 0x6b, 0x12, 0x3a, 0x8e, 0xe7, 0x23, 0xd6,
	0xcf, 0xd4, 0x73, 0xa6, 0xb1, 0x67, 0x25, 0xda, 0x0d, 0x7a, 0x13, 0xfd,
	0x1d, 0x55, 0xa5, 0x5e, 0x01, 0x73, 0x30, 0x00, 0x00, 0x1e, 0xc0, 0x2c,
	0xc0, 0x30, 0xc0, 0x2b, 0xc0, 0x2f, 0xcc, 0xa9, 0xcc, 0xa8, 0xc0, 0x24,
	0xc0, 0x28, 0xc0, 0x23, 0xc0, 0x27, 0x00, 0x9f, 0x00, 0x9e, 0x00, 0x6b,
	0x00, 0x67, 0x00, 0xff, 0x01, 0x00, 0x00, 0x7c, 0x00, 0x00, 0x00, 0x17,
	0x00, 0x15, 0x00, 0x00, 0x12, 0x6c, 0x65, 0x67, 0x61, 0x63, 0x79, 0x2e,
	0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x6f, 0x72, 0x67, 0x00,
	0x0b, 0x00, 0x04, 0x03, 0x00, 0x01, 0x02, 0x00, 0x0a, 0x00, 0x0c, 0x00,
	0x0a, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x1e, 0x00, 0x19, 0x00, 0x18, 0x00,
	0x23, 0x00, 0x00, 0x00, 0x10, 0x00, 0x0b, 0x00, 0x09, 0x08, 0x68, 0x74,
	0x74, 0x70, 0x2f, 0x31, 0x2e, 0x31, 0x00, 0x16, 0x00, 0x00, 0x00, 0x17,
	0x00, 0x00, 0x00, 0x0d, 0x00, 0x2a, 0x00, 0x28, 0x04, 0x03, 0x05, 0x03,
	0x06, 0x03, 0x08, 0x07, 0x08, 0x08, 0x08, 0x09, 0x08, 0x0a, 0x08, 0x0b,
	0x08, 0x04, 0x08, 0x05, 0x08, 0x06, 0x04, 0x01, 0x05, 0x01, 0x06, 0x01,
	0x03, 0x03, 0x03, 0x01, 0x03, 0x02, 0x04, 0x02, 0x05, 0x02, 0x06, 0x02
};

#define REC_HDR 5
/* room for a ClientHello of GW_TLS_HELLO_MAX framed one byte per record */
#define BIG (6 * (GW_TLS_HELLO_MAX + 4) + 64)

/* ---- driving the parser */

#define GUARD 64
#define GUARD_BYTE 0xa5
static uint8_t scratch[GW_TLS_HELLO_MAX + GUARD];

static bool
guard_intact(void)
{
	size_t i;

	for (i = GW_TLS_HELLO_MAX; i < sizeof(scratch); i++)
		if (scratch[i] != GUARD_BYTE)
			return false;
	return true;
}

/* Parses a heap copy of exactly len bytes; fails on a write past the
 * GW_TLS_HELLO_MAX bytes of scratch. */
static int
parse(const uint8_t *buf, size_t len, struct gw_tls_hello *h)
{
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	if (len > 0)
		memcpy(copy, buf, len);
	memset(scratch + GW_TLS_HELLO_MAX, GUARD_BYTE, GUARD);
	rc = gw_tls_hello_parse(copy, len, scratch, h);
	free(copy);
	assert_true(guard_intact());
	return rc;
}

/* The expect_* helpers name their caller's line when they fail. */
static void
expect_rc(const uint8_t *buf, size_t len, struct gw_tls_hello *h, int want,
	  int line)
{
	static const char *const names[] = { "OK", "MORE", "BAD" };
	int rc = parse(buf, len, h);

	if (rc != want)
		fail_msg("line %d, %zu bytes: %s (%s), expected %s", line, len,
			 rc >= 0 && rc <= 2 ? names[rc] : "?",
			 rc == GW_TLS_HELLO_BAD && h->why ? h->why : "-",
			 names[want]);
	if (rc == GW_TLS_HELLO_BAD && (h->why == NULL || h->why[0] == '\0'))
		fail_msg("line %d: BAD without a why", line);
}

static void
expect_more_at(const uint8_t *buf, size_t len, int line)
{
	struct gw_tls_hello h;

	expect_rc(buf, len, &h, GW_TLS_HELLO_MORE, line);
}

static void
expect_bad_at(const uint8_t *buf, size_t len, int line)
{
	struct gw_tls_hello h;

	expect_rc(buf, len, &h, GW_TLS_HELLO_BAD, line);
}

#define expect_ok(buf, len, h) \
	expect_rc(buf, len, h, GW_TLS_HELLO_OK, __LINE__)
#define expect_more(buf, len) expect_more_at(buf, len, __LINE__)
#define expect_bad(buf, len) expect_bad_at(buf, len, __LINE__)

/* Every proper prefix asks for more. */
static void
expect_prefixes_more(const uint8_t *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		expect_more(buf, i);
}

/*
 * Re-frames the handshake payload of the one-record hello rec into records
 * that start at payload offsets 0, cuts[0], ..., cuts[n - 1] (ascending,
 * inside the payload), with rec's record version. Returns the length.
 */
static size_t
reframe(const uint8_t *rec, size_t rec_len, const size_t *cuts, unsigned n,
	uint8_t *out)
{
	const uint8_t *pl = rec + REC_HDR;
	size_t plen = rec_len - REC_HDR, start = 0, end, o = 0;
	unsigned i;

	assert_int_equal((size_t)rec[3] << 8 | rec[4], plen);
	for (i = 0; i <= n; i++) {
		end = i < n ? cuts[i] : plen;
		assert_true(end > start && end <= plen);
		out[o++] = rec[0];
		out[o++] = rec[1];
		out[o++] = rec[2];
		out[o++] = (uint8_t)((end - start) >> 8);
		out[o++] = (uint8_t)(end - start);
		memcpy(out + o, pl + start, end - start);
		o += end - start;
		start = end;
	}
	return o;
}

/* ---- building synthetic ClientHellos */

struct ch {
	uint16_t rec_version;	/* record layer version (0 = 0x0301) */
	uint16_t version;	/* legacy_version (0 = 0x0303) */
	size_t sid_len;
	size_t ciphers_len;	/* bytes, the suites are 0x13 0x01 ... */
	size_t comp_len;
	bool no_ext;		/* end after the compression methods */
	bool raw_tail;		/* exts as they are, no block length */
};

static const struct ch ch_default = { 0, 0, 32, 4, 1, false, false };

static size_t
put16(uint8_t *o, size_t v)
{
	o[0] = (uint8_t)(v >> 8);
	o[1] = (uint8_t)v;
	return 2;
}

/* A ClientHello in one record, with the extensions exts (ext_len bytes:
 * type, length, data, ...). */
static size_t
build(const struct ch *c, const uint8_t *exts, size_t ext_len, uint8_t *out)
{
	uint8_t *b = out + REC_HDR + 4;
	size_t n = 0, i, body;

	n += put16(b + n, c->version ? c->version : 0x0303);
	for (i = 0; i < 32; i++)
		b[n++] = (uint8_t)(0x40 + i);		/* random */
	b[n++] = (uint8_t)c->sid_len;
	for (i = 0; i < c->sid_len; i++)
		b[n++] = (uint8_t)(0x80 + i);
	n += put16(b + n, c->ciphers_len);
	for (i = 0; i < c->ciphers_len; i++)
		b[n++] = i % 2 == 0 ? 0x13 : (uint8_t)(1 + i / 2);
	b[n++] = (uint8_t)c->comp_len;
	for (i = 0; i < c->comp_len; i++)
		b[n++] = 0;
	if (!c->no_ext) {
		if (!c->raw_tail)
			n += put16(b + n, ext_len);
		if (ext_len > 0)
			memcpy(b + n, exts, ext_len);
		n += ext_len;
	}
	body = n;
	out[0] = 22;
	put16(out + 1, c->rec_version ? c->rec_version : 0x0301);
	put16(out + 3, body + 4);
	out[5] = 1;
	out[6] = (uint8_t)(body >> 16);
	put16(out + 7, body);
	return REC_HDR + 4 + body;
}

/* server_name with one host_name of n bytes */
static size_t
ext_sni(uint8_t *o, const char *name, size_t n)
{
	size_t k = 0;

	k += put16(o + k, 0);
	k += put16(o + k, n + 5);
	k += put16(o + k, n + 3);
	o[k++] = 0;
	k += put16(o + k, n);
	memcpy(o + k, name, n);
	return k + n;
}

/* ALPN with the NULL-terminated protocol list */
static size_t
ext_alpn(uint8_t *o, const char *const *protos)
{
	size_t k = 6, len;

	for (; *protos != NULL; protos++) {
		len = strlen(*protos);
		o[k++] = (uint8_t)len;
		memcpy(o + k, *protos, len);
		k += len;
	}
	put16(o, 16);
	put16(o + 2, k - 4);
	put16(o + 4, k - 6);
	return k;
}

/* supported_versions with n versions */
static size_t
ext_versions(uint8_t *o, const uint16_t *v, unsigned n)
{
	size_t k = 0;
	unsigned i;

	k += put16(o + k, 43);
	k += put16(o + k, 1 + 2 * n);
	o[k++] = (uint8_t)(2 * n);
	for (i = 0; i < n; i++)
		k += put16(o + k, v[i]);
	return k;
}

/* an extension of type with len bytes of data (x, x + 1, ...) */
static size_t
ext_raw(uint8_t *o, unsigned type, const uint8_t *data, size_t len)
{
	size_t k = 0;

	k += put16(o + k, type);
	k += put16(o + k, len);
	if (len > 0)
		memcpy(o + k, data, len);
	return k + len;
}

/* A default ClientHello with a single server_name host_name. */
static size_t
build_sni(const char *name, size_t n, uint8_t *out)
{
	uint8_t ext[1024];

	return build(&ch_default, ext, ext_sni(ext, name, n), out);
}

/* ---- the captured ClientHellos */

struct real {
	const char *name;
	const uint8_t *buf;
	size_t len;
	const char *sni;
	uint16_t version;
	bool alpn, h2, http11;
};

static const struct real reals[] = {
	{ "tls13", hello_tls13, sizeof(hello_tls13), "www.example.com",
	  0x0304, true, true, true },
	{ "nosni", hello_nosni, sizeof(hello_nosni), "", 0x0304,
	  false, false, false },
	{ "upper", hello_upper, sizeof(hello_upper), "api.example.com",
	  0x0304, false, false, false },
	{ "tls12", hello_tls12, sizeof(hello_tls12), "legacy.example.org",
	  0x0303, true, false, true },
};
#define N_REALS (sizeof(reals) / sizeof(reals[0]))

static void
check_real(const struct real *r, const struct gw_tls_hello *h)
{
	assert_string_equal(h->sni, r->sni);
	assert_int_equal(h->version, r->version);
	assert_int_equal(h->alpn, r->alpn);
	assert_int_equal(h->alpn_h2, r->h2);
	assert_int_equal(h->alpn_http11, r->http11);
}

static void
test_real_hellos(void **state)
{
	struct gw_tls_hello h;
	size_t i;

	(void)state;
	for (i = 0; i < N_REALS; i++) {
		expect_ok(reals[i].buf, reals[i].len, &h);
		check_real(&reals[i], &h);
	}
}

static void
test_real_hello_fields(void **state)
{
	struct gw_tls_hello h;

	(void)state;
	expect_ok(hello_tls13, sizeof(hello_tls13), &h);
	assert_string_equal(h.sni, "www.example.com");
	assert_int_equal(h.version, 0x0304);
	assert_true(h.alpn && h.alpn_h2 && h.alpn_http11);

	expect_ok(hello_nosni, sizeof(hello_nosni), &h);
	assert_string_equal(h.sni, "");
	assert_false(h.alpn || h.alpn_h2 || h.alpn_http11);

	/* lower-cased, trailing dot dropped */
	expect_ok(hello_upper, sizeof(hello_upper), &h);
	assert_string_equal(h.sni, "api.example.com");

	/* no supported_versions: the legacy version */
	expect_ok(hello_tls12, sizeof(hello_tls12), &h);
	assert_int_equal(h.version, 0x0303);
	assert_true(h.alpn && h.alpn_http11 && !h.alpn_h2);
}

static void
test_real_prefixes(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_REALS; i++)
		expect_prefixes_more(reals[i].buf, reals[i].len);
}

/* What the client sends after the ClientHello is not looked at. */
static void
test_real_trailing_data(void **state)
{
	static const uint8_t ccs[] = { 20, 3, 3, 0, 1, 1 };
	static uint8_t buf[BIG];
	struct gw_tls_hello h;
	size_t i, j;

	(void)state;
	for (i = 0; i < N_REALS; i++) {
		memcpy(buf, reals[i].buf, reals[i].len);
		/* a middlebox-compatibility ChangeCipherSpec, or part */
		for (j = 1; j <= sizeof(ccs); j++) {
			memcpy(buf + reals[i].len, ccs, j);
			expect_ok(buf, reals[i].len + j, &h);
			check_real(&reals[i], &h);
		}
		/* and garbage */
		memset(buf + reals[i].len, 0xff, 100);
		expect_ok(buf, reals[i].len + 100, &h);
		check_real(&reals[i], &h);
	}
}

/* Two records, cut at every offset of the handshake message, and every
 * prefix of a few of them. */
static void
test_split_two_records(void **state)
{
	static uint8_t buf[BIG];
	struct gw_tls_hello h;
	size_t i, cut, len, plen;

	(void)state;
	for (i = 0; i < N_REALS; i++) {
		plen = reals[i].len - REC_HDR;
		for (cut = 1; cut < plen; cut++) {
			len = reframe(reals[i].buf, reals[i].len, &cut, 1, buf);
			assert_int_equal(len, reals[i].len + REC_HDR);
			expect_ok(buf, len, &h);
			check_real(&reals[i], &h);
			if (cut <= 5 || cut == plen / 2 || cut >= plen - 2)
				expect_prefixes_more(buf, len);
		}
	}
}

static void
test_split_three_records(void **state)
{
	static uint8_t buf[BIG];
	struct gw_tls_hello h;
	size_t i, k, len, plen;

	(void)state;
	for (i = 0; i < N_REALS; i++) {
		plen = reals[i].len - REC_HDR;
		{
			/* inside the handshake header, around the session id
			 * and the cipher suites, just before the end */
			const size_t cuts[][2] = {
				{ 1, 2 }, { 1, 3 }, { 2, 4 }, { 3, 4 },
				{ 4, 5 }, { 1, plen - 1 }, { 38, 39 },
				{ 40, 75 }, { plen / 3, 2 * plen / 3 },
				{ plen - 2, plen - 1 },
			};

			for (k = 0; k < sizeof(cuts) / sizeof(cuts[0]); k++) {
				len = reframe(reals[i].buf, reals[i].len,
					      cuts[k], 2, buf);
				expect_ok(buf, len, &h);
				check_real(&reals[i], &h);
				expect_prefixes_more(buf, len);
			}
		}
	}
}

/* One handshake byte per record: the worst framing a client can pick. */
static void
test_split_byte_records(void **state)
{
	static uint8_t buf[BIG];
	static size_t cuts[GW_TLS_HELLO_MAX + 4];
	struct gw_tls_hello h;
	size_t i, k, len, plen;

	(void)state;
	for (i = 0; i < N_REALS; i++) {
		plen = reals[i].len - REC_HDR;
		for (k = 0; k + 1 < plen; k++)
			cuts[k] = k + 1;
		len = reframe(reals[i].buf, reals[i].len, cuts,
			      (unsigned)(plen - 1), buf);
		assert_int_equal(len, plen * (REC_HDR + 1));
		expect_ok(buf, len, &h);
		check_real(&reals[i], &h);
		expect_prefixes_more(buf, len);
	}
}

/* Any TLS record layer version (1.0 for compatibility, 1.2, ...). */
static void
test_record_versions(void **state)
{
	static uint8_t buf[BIG];
	struct gw_tls_hello h;
	unsigned minor;

	(void)state;
	for (minor = 0; minor <= 4; minor++) {
		memcpy(buf, hello_tls13, sizeof(hello_tls13));
		buf[2] = (uint8_t)minor;
		expect_ok(buf, sizeof(hello_tls13), &h);
		check_real(&reals[0], &h);
	}
}

/* ---- synthetic ClientHellos that are fine */

static void
test_synthetic_minimal(void **state)
{
	struct ch c = ch_default;
	static uint8_t buf[BIG];
	struct gw_tls_hello h;
	size_t len;

	(void)state;
	/* no extensions at all (TLS 1.0 era) */
	c.no_ext = true;
	c.sid_len = 0;
	c.ciphers_len = 2;
	len = build(&c, NULL, 0, buf);
	expect_ok(buf, len, &h);
	assert_string_equal(h.sni, "");
	assert_int_equal(h.version, 0x0303);
	assert_false(h.alpn);
	expect_prefixes_more(buf, len);

	/* an empty extension block */
	c.no_ext = false;
	len = build(&c, NULL, 0, buf);
	expect_ok(buf, len, &h);
	assert_int_equal(h.version, 0x0303);

	/* a TLS 1.0 ClientHello */
	c.version = 0x0301;
	len = build(&c, NULL, 0, buf);
	expect_ok(buf, len, &h);
	assert_int_equal(h.version, 0x0301);

	/* a session id of the full 32 bytes, several compression methods */
	c = ch_default;
	c.sid_len = 32;
	c.comp_len = 3;
	len = build(&c, NULL, 0, buf);
	expect_ok(buf, len, &h);
}

static void
test_synthetic_versions(void **state)
{
	static const uint16_t grease_13[] = { 0x7a7a, 0x0304, 0x0303 };
	static const uint16_t only_12[] = { 0x0303 };
	static const uint16_t unordered[] = { 0x0302, 0x0304, 0x0303 };
	static const uint16_t only_grease[] = { 0x1a1a, 0xfafa };
	static const uint16_t dtls[] = { 0xfefd, 0x0303 };
	static uint8_t buf[BIG];
	uint8_t ext[64];
	struct gw_tls_hello h;
	size_t len;

	(void)state;
	len = build(&ch_default, ext, ext_versions(ext, grease_13, 3), buf);
	expect_ok(buf, len, &h);
	assert_int_equal(h.version, 0x0304);

	len = build(&ch_default, ext, ext_versions(ext, only_12, 1), buf);
	expect_ok(buf, len, &h);
	assert_int_equal(h.version, 0x0303);

	len = build(&ch_default, ext, ext_versions(ext, unordered, 3), buf);
	expect_ok(buf, len, &h);
	assert_int_equal(h.version, 0x0304);

	/* nothing usable: the legacy version stands */
	len = build(&ch_default, ext, ext_versions(ext, only_grease, 2), buf);
	expect_ok(buf, len, &h);
	assert_int_equal(h.version, 0x0303);

	len = build(&ch_default, ext, ext_versions(ext, dtls, 2), buf);
	expect_ok(buf, len, &h);
	assert_int_equal(h.version, 0x0303);
}

static void
test_synthetic_alpn(void **state)
{
	static const char *const h2_only[] = { "h2", NULL };
	static const char *const others[] = { "h3", "http/1.0", "spdy/3",
					       "h2c", "http/1.11", NULL };
	static const char *const both[] = { "acme-tls/1", "http/1.1", "h2",
					    NULL };
	static uint8_t buf[BIG];
	uint8_t ext[256];
	struct gw_tls_hello h;
	size_t len;

	(void)state;
	len = build(&ch_default, ext, ext_alpn(ext, h2_only), buf);
	expect_ok(buf, len, &h);
	assert_true(h.alpn && h.alpn_h2 && !h.alpn_http11);

	len = build(&ch_default, ext, ext_alpn(ext, others), buf);
	expect_ok(buf, len, &h);
	assert_true(h.alpn);
	assert_false(h.alpn_h2 || h.alpn_http11);

	len = build(&ch_default, ext, ext_alpn(ext, both), buf);
	expect_ok(buf, len, &h);
	assert_true(h.alpn && h.alpn_h2 && h.alpn_http11);
	expect_prefixes_more(buf, len);
}

static void
test_synthetic_sni(void **state)
{
	static uint8_t buf[BIG];
	char name[GW_TLS_SNI_MAX + 2];
	uint8_t ext[1024];
	struct gw_tls_hello h;
	size_t len, k;

	(void)state;
	len = build_sni("a", 1, buf);
	expect_ok(buf, len, &h);
	assert_string_equal(h.sni, "a");

	len = build_sni("Xn--BCHER-kva.Example", 21, buf);
	expect_ok(buf, len, &h);
	assert_string_equal(h.sni, "xn--bcher-kva.example");

	/* GW_TLS_SNI_MAX characters, with and without a trailing dot */
	memset(name, 'a', sizeof(name));
	len = build_sni(name, GW_TLS_SNI_MAX, buf);
	expect_ok(buf, len, &h);
	assert_int_equal(strlen(h.sni), GW_TLS_SNI_MAX);
	name[GW_TLS_SNI_MAX] = '.';
	len = build_sni(name, GW_TLS_SNI_MAX + 1, buf);
	expect_ok(buf, len, &h);
	assert_int_equal(strlen(h.sni), GW_TLS_SNI_MAX);

	/* a name_type other than host_name is skipped */
	{
		static const uint8_t other_type[] = {
			0, 0, 0, 17, 0, 15,
			1, 0, 4, 'a', 'b', 'c', 'd',
			0, 0, 5, 'h', 'o', 's', 't', 'x',
		};

		len = build(&ch_default, other_type, sizeof(other_type), buf);
		expect_ok(buf, len, &h);
		assert_string_equal(h.sni, "hostx");
	}
	/* the first host_name counts */
	{
		static const uint8_t two[] = {
			0, 0, 0, 14, 0, 12,
			0, 0, 3, 'o', 'n', 'e',
			0, 0, 3, 't', 'w', 'o',
		};

		len = build(&ch_default, two, sizeof(two), buf);
		expect_ok(buf, len, &h);
		assert_string_equal(h.sni, "one");
	}
	/* with the other extensions around it */
	{
		static const char *const h2[] = { "h2", NULL };
		static const uint16_t v13[] = { 0x0304 };

		k = ext_raw(ext, 10, (const uint8_t *)"\x00\x02\x00\x1d", 4);
		k += ext_alpn(ext + k, h2);
		k += ext_sni(ext + k, "Mixed.Case.Example.", 19);
		k += ext_raw(ext + k, 21, NULL, 0);
		k += ext_versions(ext + k, v13, 1);
		len = build(&ch_default, ext, k, buf);
		expect_ok(buf, len, &h);
		assert_string_equal(h.sni, "mixed.case.example");
		assert_int_equal(h.version, 0x0304);
		assert_true(h.alpn_h2);
		expect_prefixes_more(buf, len);
	}
}

/* ---- not TLS, or malformed */

static void
test_bad_not_tls(void **state)
{
	static const char get[] = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";
	static const char connect[] = "CONNECT a.example:443 HTTP/1.1\r\n\r\n";
	static const uint8_t sslv2[] = { 0x80, 0x2e, 0x01, 0x03, 0x01, 0x00 };
	size_t i;

	(void)state;
	expect_bad((const uint8_t *)get, sizeof(get) - 1);
	expect_bad((const uint8_t *)connect, sizeof(connect) - 1);
	expect_bad(sslv2, sizeof(sslv2));
	/* told early: from the first byte on */
	for (i = 1; i < sizeof(get); i++)
		expect_bad((const uint8_t *)get, i);
	expect_bad((const uint8_t *)"\x00", 1);
	/* nothing yet, or a handshake record type alone */
	expect_more((const uint8_t *)"", 0);
	expect_more((const uint8_t *)"\x16", 1);
	expect_more((const uint8_t *)"\x16\x03", 2);
}

static void
test_bad_record_layer(void **state)
{
	static const uint8_t types[] = { 0, 20, 21, 23, 24, 0x17, 0xff };
	static uint8_t buf[BIG];
	size_t i, cut, len;

	(void)state;
	/* not a handshake record: the whole hello, and its first byte */
	for (i = 0; i < sizeof(types); i++) {
		memcpy(buf, hello_tls13, sizeof(hello_tls13));
		buf[0] = types[i];
		expect_bad(buf, sizeof(hello_tls13));
		expect_bad(buf, 1);
		expect_bad(buf, REC_HDR);
	}
	/* not a TLS record version: the whole hello, and from byte 2 on */
	for (i = 0; i < 8; i++) {
		if (i == 3)
			continue;
		memcpy(buf, hello_tls13, sizeof(hello_tls13));
		buf[1] = (uint8_t)i;
		expect_bad(buf, sizeof(hello_tls13));
		expect_bad(buf, 2);
	}
	/* a zero-length record, first or after the first part of a hello */
	expect_bad((const uint8_t *)"\x16\x03\x01\x00\x00", REC_HDR);
	memcpy(buf, "\x16\x03\x01\x00\x00", REC_HDR);
	memcpy(buf + REC_HDR, hello_tls13, sizeof(hello_tls13));
	expect_bad(buf, REC_HDR + sizeof(hello_tls13));
	cut = 100;
	len = reframe(hello_tls13, sizeof(hello_tls13), &cut, 1, buf);
	memmove(buf + REC_HDR + cut + REC_HDR, buf + REC_HDR + cut,
		len - REC_HDR - cut);
	memcpy(buf + REC_HDR + cut, "\x16\x03\x01\x00\x00", REC_HDR);
	expect_bad(buf, len + REC_HDR);
	expect_bad(buf, REC_HDR + cut + REC_HDR);
	/* a record longer than TLS allows */
	expect_bad((const uint8_t *)"\x16\x03\x01\xff\xff", REC_HDR);
	expect_bad((const uint8_t *)"\x16\x03\x01\x48\x01", REC_HDR);
	/* a later record of another type or version */
	len = reframe(hello_tls13, sizeof(hello_tls13), &cut, 1, buf);
	buf[REC_HDR + cut] = 23;
	expect_bad(buf, len);
	expect_bad(buf, REC_HDR + cut + 1);
	buf[REC_HDR + cut] = 22;
	buf[REC_HDR + cut + 1] = 0x02;
	expect_bad(buf, len);
	expect_bad(buf, REC_HDR + cut + 2);
}

static void
test_bad_handshake_type(void **state)
{
	static const uint8_t types[] = { 0, 2, 4, 8, 11, 16, 20, 0xff };
	static uint8_t buf[BIG];
	uint8_t hello[sizeof(hello_tls13)];
	size_t i, cut = 4, len;

	(void)state;
	for (i = 0; i < sizeof(types); i++) {
		memcpy(hello, hello_tls13, sizeof(hello));
		hello[REC_HDR] = types[i];
		expect_bad(hello, sizeof(hello));
		/* told as soon as the handshake header is in */
		len = reframe(hello, sizeof(hello), &cut, 1, buf);
		expect_bad(buf, REC_HDR + 4);
		expect_bad(buf, len);
	}
}

static void
test_bad_body_fields(void **state)
{
	static const uint16_t versions[] = { 0x0001, 0x0200, 0x0203,
					     0x0403, 0xfefd, 0x7f1c };
	static uint8_t buf[BIG];
	struct ch c;
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		c = ch_default;
		c.version = versions[i];
		len = build(&c, NULL, 0, buf);
		expect_bad(buf, len);
	}
	/* session ids of 33 and 255 bytes */
	c = ch_default;
	c.sid_len = 33;
	expect_bad(buf, build(&c, NULL, 0, buf));
	c.sid_len = 255;
	expect_bad(buf, build(&c, NULL, 0, buf));
	/* an empty or odd cipher suite list */
	c = ch_default;
	c.ciphers_len = 0;
	expect_bad(buf, build(&c, NULL, 0, buf));
	c.no_ext = true;
	expect_bad(buf, build(&c, NULL, 0, buf));
	c = ch_default;
	c.ciphers_len = 3;
	expect_bad(buf, build(&c, NULL, 0, buf));
	c.ciphers_len = 1;
	expect_bad(buf, build(&c, NULL, 0, buf));
	/* no compression method */
	c = ch_default;
	c.comp_len = 0;
	expect_bad(buf, build(&c, NULL, 0, buf));
}

/*
 * A ClientHello cut short (with the record and handshake lengths fixed to
 * match) is malformed at every length but one: just before the extension
 * block, where it is a hello without extensions.
 */
static void
test_bad_truncated_body(void **state)
{
	static const char *const h2[] = { "h2", NULL };
	static const uint16_t v13[] = { 0x0304 };
	static uint8_t full[BIG], buf[BIG];
	uint8_t ext[256];
	struct gw_tls_hello h;
	size_t k, len, body, base, cut;

	(void)state;
	k = ext_sni(ext, "www.example.com", 15);
	k += ext_alpn(ext + k, h2);
	k += ext_versions(ext + k, v13, 1);
	len = build(&ch_default, ext, k, full);
	base = 2 + 32 + 1 + ch_default.sid_len + 2 + ch_default.ciphers_len +
	       1 + ch_default.comp_len;
	for (body = 0; body < len - REC_HDR - 4; body++) {
		memcpy(buf, full, REC_HDR + 4 + body);
		put16(buf + 3, body + 4);
		buf[6] = 0;
		put16(buf + 7, body);
		if (body == base) {
			expect_ok(buf, REC_HDR + 4 + body, &h);
			assert_string_equal(h.sni, "");
		} else {
			expect_bad(buf, REC_HDR + 4 + body);
		}
		/* the same over two records */
		if (body > 2) {
			cut = body / 2;
			memcpy(full + BIG / 2, buf, REC_HDR + 4 + body);
			reframe(full + BIG / 2, REC_HDR + 4 + body, &cut, 1,
				buf);
			if (body != base)
				expect_bad(buf, 2 * REC_HDR + 4 + body);
		}
	}
	expect_ok(full, len, &h);
	assert_string_equal(h.sni, "www.example.com");
}

static void
test_bad_extension_lengths(void **state)
{
	static uint8_t buf[BIG];
	struct ch raw = ch_default;
	size_t len;

	(void)state;
	raw.raw_tail = true;
	/* block: 1 byte left over, 3 bytes (a type and half a length) */
	len = build(&ch_default, (const uint8_t *)"\x00", 1, buf);
	expect_bad(buf, len);
	len = build(&ch_default, (const uint8_t *)"\x00\x17\x00", 3, buf);
	expect_bad(buf, len);
	/* an extension longer than the block */
	len = build(&ch_default, (const uint8_t *)"\x00\x17\x00\x01", 4, buf);
	expect_bad(buf, len);
	len = build(&ch_default,
		    (const uint8_t *)"\x00\x17\x00\x00\x00\x15\x00\x08xxxx",
		    12, buf);
	expect_bad(buf, len);
	/* a block length beyond the message, or short of its end */
	len = build(&raw, (const uint8_t *)"\x00\x05\x00\x17\x00\x00", 6,
		    buf);
	expect_bad(buf, len);
	len = build(&raw, (const uint8_t *)"\x00\x03\x00\x17\x00\x00", 6,
		    buf);
	expect_bad(buf, len);
	len = build(&raw, (const uint8_t *)"\x00\x04\x00\x17\x00\x00\x00",
		    7, buf);
	expect_bad(buf, len);
	len = build(&raw, (const uint8_t *)"\x00", 1, buf);
	expect_bad(buf, len);
	/* the two well-formed neighbours are fine */
	len = build(&raw, (const uint8_t *)"\x00\x04\x00\x17\x00\x00", 6,
		    buf);
	{
		struct gw_tls_hello h;

		expect_ok(buf, len, &h);
		len = build(&ch_default, (const uint8_t *)"\x00\x17\x00\x00",
			    4, buf);
		expect_ok(buf, len, &h);
	}
}

static void
test_bad_sni(void **state)
{
	static const uint8_t bad_bytes[] = { 0x00, 0x01, 0x09, 0x0a, 0x0d,
					     0x1f, ' ', 0x7f, 0x80, 0xc3,
					     0xff };
	static uint8_t buf[BIG];
	char name[GW_TLS_SNI_MAX + 3];
	size_t i, len;

	(void)state;
	/* a control byte (or a non-host byte) anywhere */
	for (i = 0; i < sizeof(bad_bytes); i++) {
		memcpy(name, "www.example.com", 15);
		name[3] = (char)bad_bytes[i];
		expect_bad(buf, build_sni(name, 15, buf));
		name[0] = (char)bad_bytes[i];
		expect_bad(buf, build_sni(name, 15, buf));
		memcpy(name, "www.example.com", 15);
		name[14] = (char)bad_bytes[i];
		expect_bad(buf, build_sni(name, 15, buf));
	}
	/* empty, a dot alone, too long */
	expect_bad(buf, build_sni("", 0, buf));
	expect_bad(buf, build_sni(".", 1, buf));
	memset(name, 'a', sizeof(name));
	expect_bad(buf, build_sni(name, GW_TLS_SNI_MAX + 1, buf));
	name[GW_TLS_SNI_MAX + 1] = '.';
	expect_bad(buf, build_sni(name, GW_TLS_SNI_MAX + 2, buf));

	/* broken server_name framing */
	{
		static const struct {
			const char *b;
			size_t n;
		} exts[] = {
			{ "\x00\x00\x00\x00", 4 },	/* no list length */
			{ "\x00\x00\x00\x01\x00", 5 },	/* half of it */
			{ "\x00\x00\x00\x02\x00\x05", 6 }, /* list overruns */
			{ "\x00\x00\x00\x05\x00\x03\x00\x00\x05", 9 },
			{ "\x00\x00\x00\x07\x00\x04\x00\x00\x01\x61\x00", 11 },
			{ "\x00\x00\x00\x03\x00\x01\x00", 7 }, /* half entry */
			{ "\x00\x00\x00\x04\x00\x02\x00\x00", 8 },
		};
		for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
			len = build(&ch_default, (const uint8_t *)exts[i].b,
				    exts[i].n, buf);
			expect_bad(buf, len);
		}
	}
}

static void
test_bad_alpn_versions(void **state)
{
	static const struct {
		const char *b;
		size_t n;
	} exts[] = {
		/* ALPN */
		{ "\x00\x10\x00\x00", 4 },			/* no list */
		{ "\x00\x10\x00\x01\x00", 5 },
		{ "\x00\x10\x00\x03\x00\x01\x00", 7 },	/* empty name */
		{ "\x00\x10\x00\x05\x00\x04\x02h2", 9 },	/* overrun */
		{ "\x00\x10\x00\x05\x00\x03\x03h2", 9 },	/* overruns */
		{ "\x00\x10\x00\x06\x00\x03\x02h2x", 10 }, /* extra */
		/* supported_versions */
		{ "\x00\x2b\x00\x00", 4 },
		{ "\x00\x2b\x00\x01\x00", 5 },		/* empty list */
		{ "\x00\x2b\x00\x04\x03\x03\x04\x03", 8 },	/* odd */
		{ "\x00\x2b\x00\x03\x04\x03\x04", 7 },	/* overrun */
		{ "\x00\x2b\x00\x04\x02\x03\x04\x00", 8 }, /* extra */
	};
	static uint8_t buf[BIG];
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		len = build(&ch_default, (const uint8_t *)exts[i].b, exts[i].n,
			    buf);
		expect_bad(buf, len);
	}
}

static void
test_bad_oversize(void **state)
{
	static uint8_t buf[BIG];
	size_t big = GW_TLS_HELLO_MAX + 1, len, i;

	(void)state;
	/* a handshake header announcing more than GW_TLS_HELLO_MAX, in a
	 * record of its own, or split over two */
	memcpy(buf, "\x16\x03\x01\x00\x04\x01", 6);
	buf[6] = (uint8_t)(big >> 16);
	put16(buf + 7, big);
	expect_bad(buf, REC_HDR + 4);
	memcpy(buf, "\x16\x03\x01\x00\x04\x01\xff\xff\xff", 9);
	expect_bad(buf, REC_HDR + 4);
	memcpy(buf, "\x16\x03\x01\x00\x01\x01\x16\x03\x01\x00\x03\x00\x40\x01",
	       14);
	expect_bad(buf, 14);

	/* the whole oversize message in one record */
	memset(buf, 0, sizeof(buf));
	len = build(&ch_default, NULL, 0, buf);
	buf[6] = (uint8_t)(big >> 16);
	put16(buf + 7, big);
	put16(buf + 3, 4 + big);
	expect_bad(buf, REC_HDR + 4 + big);

	/* or spread over records that exceed the limit */
	memcpy(buf, "\x16\x03\x01\x00\x04\x01\x00\x40\x00", 9);
	len = 9;
	for (i = 0; i < 2; i++) {
		memcpy(buf + len, "\x16\x03\x01", 3);
		put16(buf + len + 3, GW_TLS_HELLO_MAX / 2 + 1);
		len += REC_HDR + GW_TLS_HELLO_MAX / 2 + 1;
	}
	expect_bad(buf, len);
}

/* The largest ClientHello the scratch holds (a GW_TLS_HELLO_MAX message
 * with its header), in one record and in records of 1000 bytes. */
static void
test_largest_hello(void **state)
{
	static uint8_t buf[BIG], big[BIG], ext[GW_TLS_HELLO_MAX],
		       zeros[GW_TLS_HELLO_MAX];
	static size_t cuts[GW_TLS_HELLO_MAX / 1000 + 1];
	struct gw_tls_hello h;
	size_t base, k, len, n = 0, c;

	(void)state;
	base = 2 + 32 + 1 + ch_default.sid_len + 2 + ch_default.ciphers_len +
	       1 + ch_default.comp_len + 2;
	k = ext_sni(ext, "Max.Example.com", 15);
	k += ext_raw(ext + k, 21, zeros, GW_TLS_HELLO_MAX - 4 - base - k - 4);
	len = build(&ch_default, ext, k, big);
	assert_int_equal(len, REC_HDR + GW_TLS_HELLO_MAX);
	expect_ok(big, len, &h);
	assert_string_equal(h.sni, "max.example.com");
	expect_more(big, len - 1);
	for (c = 1000; c < GW_TLS_HELLO_MAX; c += 1000)
		cuts[n++] = c;
	len = reframe(big, len, cuts, (unsigned)n, buf);
	expect_ok(buf, len, &h);
	assert_string_equal(h.sni, "max.example.com");
	expect_more(buf, len - 1);
}

/* ---- known bugs (skipped until fixed) */

/*
 * gw_tls_hello_parse() may write GW_TLS_HELLO_MAX + 4 bytes into tmp,
 * which the header sizes at GW_TLS_HELLO_MAX: its checks allow
 * have + take <= GW_TLS_HELLO_MAX + 4. Input: one record of 16388 bytes
 * holding a ClientHello whose message length is 16384 (0x004000), padded
 * with a padding extension. Expected: no write past tmp[16383] (BAD, or
 * OK if the limit is meant for the body). Actual: memcpy writes 4 bytes
 * past the end of the scratch.
 */
static void
test_bug_scratch_overflow(void **state)
{
	static uint8_t buf[BIG], ext[GW_TLS_HELLO_MAX], zeros[GW_TLS_HELLO_MAX];
	struct gw_tls_hello h;
	size_t base, len;
	int rc;

	(void)state;
	base = 2 + 32 + 1 + ch_default.sid_len + 2 + ch_default.ciphers_len +
	       1 + ch_default.comp_len + 2 + 4;
	len = build(&ch_default, ext, ext_raw(ext, 21, zeros,
		    GW_TLS_HELLO_MAX - base), buf);
	assert_int_equal(len, REC_HDR + 4 + GW_TLS_HELLO_MAX);
	memset(scratch + GW_TLS_HELLO_MAX, GUARD_BYTE, GUARD);
	rc = gw_tls_hello_parse(buf, len, scratch, &h);
	assert_true(guard_intact());
	assert_int_equal(rc, GW_TLS_HELLO_BAD);
}

/*
 * A server name with two trailing dots, "example.com..": only one is
 * dropped, so the parse is OK with sni "example.com.", against the
 * header's "no trailing dot". Expected BAD (an empty label) or
 * "example.com".
 */
static void
test_bug_sni_two_trailing_dots(void **state)
{
	static uint8_t buf[BIG];
	struct gw_tls_hello h;
	size_t n;
	int rc;

	(void)state;
	rc = parse(buf, build_sni("example.com..", 13, buf), &h);
	(void)n;
	assert_int_equal(rc, GW_TLS_HELLO_BAD);
	rc = parse(buf, build_sni("a..b", 4, buf), &h);
	assert_int_equal(rc, GW_TLS_HELLO_BAD);
	rc = parse(buf, build_sni("a/b", 3, buf), &h);
	assert_int_equal(rc, GW_TLS_HELLO_BAD);
	rc = parse(buf, build_sni("Under_score-9.example.", 22, buf), &h);
	assert_int_equal(rc, GW_TLS_HELLO_OK);
	assert_string_equal(h.sni, "under_score-9.example");
}

/* ---- gw_tls_sni_rank */

static void
test_rank_exact(void **state)
{
	(void)state;
	assert_int_equal(gw_tls_sni_rank("www.example.com", "www.example.com"),
			 INT32_MAX);
	assert_int_equal(gw_tls_sni_rank("WWW.Example.COM", "www.example.com"),
			 INT32_MAX);
	assert_int_equal(gw_tls_sni_rank("www.example.com", "WWW.EXAMPLE.com"),
			 INT32_MAX);
	assert_int_equal(gw_tls_sni_rank("www.example.com", "example.com"), -1);
	assert_int_equal(gw_tls_sni_rank("example.com", "www.example.com"), -1);
	assert_int_equal(gw_tls_sni_rank("www.example.com", "www.example.co"),
			 -1);
	assert_int_equal(gw_tls_sni_rank("www.example.com", "www.example.org"),
			 -1);
}

static void
test_rank_wildcard(void **state)
{
	const int32_t suffix = (int32_t)strlen("example.com") + 1;

	(void)state;
	assert_int_equal(gw_tls_sni_rank("*.example.com", "a.example.com"),
			 suffix);
	assert_int_equal(gw_tls_sni_rank("*.example.com", "a.b.example.com"),
			 suffix);
	assert_int_equal(gw_tls_sni_rank("*.Example.COM", "a.example.com"),
			 suffix);
	assert_int_equal(gw_tls_sni_rank("*.example.com", "A.EXAMPLE.com"),
			 suffix);
	/* not the suffix itself, nor a name that merely ends like it */
	assert_int_equal(gw_tls_sni_rank("*.example.com", "example.com"), -1);
	assert_int_equal(gw_tls_sni_rank("*.example.com", "xexample.com"), -1);
	assert_int_equal(gw_tls_sni_rank("*.example.com", "a.example.org"),
			 -1);
	assert_int_equal(gw_tls_sni_rank("*.example.com", "example.com.a"),
			 -1);
	assert_int_equal(gw_tls_sni_rank("*.com", "example.com"), 4);
}

static void
test_rank_any_and_empty(void **state)
{
	(void)state;
	assert_int_equal(gw_tls_sni_rank("*", "www.example.com"), 0);
	assert_int_equal(gw_tls_sni_rank("*", "a"), 0);
	/* no SNI matches only "*" */
	assert_int_equal(gw_tls_sni_rank("*", ""), 0);
	assert_int_equal(gw_tls_sni_rank("*.example.com", ""), -1);
	assert_int_equal(gw_tls_sni_rank("example.com", ""), -1);
	assert_int_equal(gw_tls_sni_rank("", ""), -1);
}

static void
test_rank_order(void **state)
{
	const char *sni = "a.b.example.com";
	int32_t exact, deep, shallow, any;

	(void)state;
	exact = gw_tls_sni_rank("A.B.example.com", sni);
	deep = gw_tls_sni_rank("*.b.example.com", sni);
	shallow = gw_tls_sni_rank("*.example.com", sni);
	any = gw_tls_sni_rank("*", sni);
	assert_true(exact > deep);
	assert_true(deep > shallow);
	assert_true(shallow > any);
	assert_int_equal(any, 0);
	assert_true(gw_tls_sni_rank("*.com", sni) < shallow);
	assert_true(gw_tls_sni_rank("*.com", sni) > any);
}

/* The name a captured hello parses to ranks as configured names would. */
static void
test_rank_parsed(void **state)
{
	struct gw_tls_hello h;

	(void)state;
	expect_ok(hello_upper, sizeof(hello_upper), &h);
	assert_int_equal(gw_tls_sni_rank("api.example.com", h.sni), INT32_MAX);
	assert_int_equal(gw_tls_sni_rank("*.example.com", h.sni), 12);
	expect_ok(hello_nosni, sizeof(hello_nosni), &h);
	assert_int_equal(gw_tls_sni_rank("api.example.com", h.sni), -1);
	assert_int_equal(gw_tls_sni_rank("*", h.sni), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_hellos),
		cmocka_unit_test(test_real_hello_fields),
		cmocka_unit_test(test_real_prefixes),
		cmocka_unit_test(test_real_trailing_data),
		cmocka_unit_test(test_split_two_records),
		cmocka_unit_test(test_split_three_records),
		cmocka_unit_test(test_split_byte_records),
		cmocka_unit_test(test_record_versions),
		cmocka_unit_test(test_synthetic_minimal),
		cmocka_unit_test(test_synthetic_versions),
		cmocka_unit_test(test_synthetic_alpn),
		cmocka_unit_test(test_synthetic_sni),
		cmocka_unit_test(test_bad_not_tls),
		cmocka_unit_test(test_bad_record_layer),
		cmocka_unit_test(test_bad_handshake_type),
		cmocka_unit_test(test_bad_body_fields),
		cmocka_unit_test(test_bad_truncated_body),
		cmocka_unit_test(test_bad_extension_lengths),
		cmocka_unit_test(test_bad_sni),
		cmocka_unit_test(test_bad_alpn_versions),
		cmocka_unit_test(test_bad_oversize),
		cmocka_unit_test(test_largest_hello),
		cmocka_unit_test(test_bug_scratch_overflow),
		cmocka_unit_test(test_bug_sni_two_trailing_dots),
		cmocka_unit_test(test_rank_exact),
		cmocka_unit_test(test_rank_wildcard),
		cmocka_unit_test(test_rank_any_and_empty),
		cmocka_unit_test(test_rank_order),
		cmocka_unit_test(test_rank_parsed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
