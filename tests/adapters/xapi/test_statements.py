"""Storage keys of statement ids another source already holds."""

from __future__ import annotations

import random
import uuid

from learnwire.adapters.xapi.statements import scoped_key, scoped_key_text
from learnwire.core.store.identities import IdentityResolver


def test_statements_scoped_key_text_is_the_version_4_uuid_of_the_keyed_hash():
    resolver = IdentityResolver(b"a key")
    rng = random.Random(5)
    for n in range(2000):
        statement_id = uuid.UUID(int=rng.getrandbits(128))
        source = f"source-{n % 5}"
        expected = uuid.UUID(
            resolver.hash("xapi_statement", source, str(statement_id))[:32], version=4
        )
        text = scoped_key_text(resolver, source, str(statement_id))
        assert text == str(expected)
        assert scoped_key(resolver, source, statement_id) == expected
