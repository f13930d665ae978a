// SPDX-License-Identifier: MIT
/* SHA-256 and PCR arithmetic against known answers computed elsewhere. */
#include "t.h"

#include "pcr.h"
#include "sha256.h"

static void hex32(const char *hex, uint8_t out[32])
{
	REQUIRE(t_hex(hex, out, 32) == 32);
}

static void test_sha256_known_answers(void)
{
	uint8_t d[32], want[32];
	static uint8_t million[1000000];

	hex32("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", want);
	CHECK_EQ(sha256_buf("", 0, d), 0);
	CHECK_MEM(d, want, 32);
	hex32("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", want);
	CHECK_EQ(sha256_buf("abc", 3, d), 0);
	CHECK_MEM(d, want, 32);
	CHECK_EQ(sha256_cat("a", 1, "bc", 2, d), 0);
	CHECK_MEM(d, want, 32);
	/* FIPS 180-2 long message: a million 'a' */
	memset(million, 'a', sizeof(million));
	hex32("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", want);
	CHECK_EQ(sha256_buf(million, sizeof(million), d), 0);
	CHECK_MEM(d, want, 32);
}

static void test_extend_known_answer(void)
{
	struct pcr_bank b;
	uint8_t d[32], want[32];

	pcr_bank_init(&b);
	REQUIRE(sha256_buf("abc", 3, d) == 0);
	CHECK_EQ(pcr_extend(&b, 8, d), 0);
	hex32("589f9ffed4c477966bfb8d41f37895b08c69047df8f911d6f3b57fbe08faee8d", want);
	CHECK_MEM(b.v[8], want, 32);
	CHECK_EQ(pcr_extend(&b, 8, d), 0);
	hex32("bdeb6c6dc63852834c89f67066194207ce7d3806ea40ca58dc079246ef58a926", want);
	CHECK_MEM(b.v[8], want, 32);
	/* composite of PCRs 8 and 9, in index order */
	CHECK_EQ(pcr_composite(&b, (1u << 8) | (1u << 9), d), 0);
	hex32("5c162140bc7de168ec072c02660cbabc7652569bf160405a61b2b9348d7d6088", want);
	CHECK_MEM(d, want, 32);
}

static void test_extend_refuses_bad_index(void)
{
	struct pcr_bank b, before;
	uint8_t d[32] = { 0 }, out[32] = { 7 };

	pcr_bank_init(&b);
	before = b;
	CHECK_EQ(pcr_extend(&b, PCR_COUNT, d), MB_E_PCR);
	CHECK_MEM(&b, &before, sizeof(b));
	CHECK_EQ(pcr_composite(&b, 0, out), MB_E_PCR);
	CHECK_EQ(pcr_composite(&b, 1u << PCR_COUNT, out), MB_E_PCR);
	CHECK_EQ(out[0], 7);
}

static void test_order_matters(void)
{
	struct pcr_bank a, b;
	uint8_t x[32], y[32];

	REQUIRE(sha256_buf("x", 1, x) == 0 && sha256_buf("y", 1, y) == 0);
	pcr_bank_init(&a);
	pcr_bank_init(&b);
	REQUIRE(pcr_extend(&a, 12, x) == 0 && pcr_extend(&a, 12, y) == 0);
	REQUIRE(pcr_extend(&b, 12, y) == 0 && pcr_extend(&b, 12, x) == 0);
	CHECK(memcmp(a.v[12], b.v[12], 32) != 0);
}

int main(void)
{
	RUN(test_sha256_known_answers);
	RUN(test_extend_known_answer);
	RUN(test_extend_refuses_bad_index);
	RUN(test_order_matters);
	return t_done();
}
