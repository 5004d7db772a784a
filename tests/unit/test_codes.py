from ent_accounts import codes


def test_tokens_are_256_bits_and_stored_as_sha256():
    token = codes.new_token()
    assert len(token) == 43 and codes.looks_like_token(token)
    digest = codes.hash_token(token)
    assert len(digest) == 64 and token not in digest
    assert codes.hash_token(token) == digest
    assert codes.new_token() != token


def test_shape_check_rejects_forged_and_truncated_codes():
    token = codes.new_token()
    assert not codes.looks_like_token(token[:20])
    assert not codes.looks_like_token("")
    assert not codes.looks_like_token(token[:-1] + "'")
    assert not codes.looks_like_token("<script>" + token)
    assert not codes.looks_like_token(token * 3)
