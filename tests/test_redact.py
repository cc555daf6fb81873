"""harness.redact: passwords and tokens leave no trace, whatever the shape of the text that holds them."""

from __future__ import annotations

import pytest

from harness.redact import MASK, redact, redact_obj

SECRET = "Zq9-s3cr3t"

CASES = [
    # (text, what must remain readable)
    (f'URI: "postgresql://etl:{SECRET}@[bad"', "postgresql://etl:"),                 # unclosed IPv6 bracket
    (f"postgresql://etl:50%{SECRET}@localhost/db", "@localhost/db"),                # unescaped %
    (f"postgresql://etl:pa/{SECRET}@host:5432/db", "@host:5432/db"),                # '/' in the password
    (f"postgresql://etl:a@{SECRET}@host/db", "@host/db"),                           # '@' in the password
    (f"postgresql://etl:{SECRET}", "postgresql://etl:"),                            # cut short, no host
    (f"host=db port=5432 password={SECRET} dbname=dw", "dbname=dw"),                # libpq keywords
    (f"host=db password='{SECRET} with space' user=etl", "user=etl"),               # quoted keyword value
    (f'{{"password": "{SECRET}", "x": 1}}', '"x": 1'),                                # JSON
    (f"PGPASSWORD={SECRET} psql", "psql"),
    (f"json://user:{SECRET}@127.0.0.1:8080/alert", "127.0.0.1:8080/alert"),         # apprise userinfo
    (f"json://127.0.0.1:8080/alert?token={SECRET}&x=1", "x=1"),                     # query token
    (f"json://hooks.example.com/alert?apikey={SECRET}", "hooks.example.com/alert"),
    (f"slack://T1234ABCD/B5678EFGH/{SECRET}/#ops", "slack://"),                     # path tokens
    (f"discord://123456789/{SECRET}", "discord://"),
    (f"https://hooks.slack.com/services/T000/B000/{SECRET}", "https://hooks.slack.com/"),
    (f"json://host/hooks/{SECRET}abcdefghij0123456789", "json://host/hooks/"),       # token-like segment
    (f"mailto://ops:{SECRET}@smtp.example.com?to=a@b.com", "smtp.example.com"),
]


@pytest.mark.parametrize("text, kept", CASES)
def test_secrets_are_masked_and_the_rest_stays_readable(text, kept):
    out = redact(text)
    assert SECRET not in out and MASK in out, out
    assert kept in out, out


def test_configured_secrets_are_masked_wherever_they_appear(monkeypatch):
    """A secret from the configuration is masked even in text no pattern recognises, also when its
    URL is malformed (the reason the configuration is refused must not print it)."""
    monkeypatch.setenv("OLTP_URL", f"postgresql://etl:{SECRET}@[bad")
    monkeypatch.setenv("HARNESS_ALERT_URLS", "json://127.0.0.1:9/a?token=tok-Abc123xyz tgram://bot987654321/chat")
    monkeypatch.setenv("HARNESS_ETL_PASSWORD", "Pw-from-env-77")
    text = f"odd message quoting {SECRET} and tok-Abc123xyz and bot987654321 and Pw-from-env-77"
    out = redact(text)
    for secret in (SECRET, "tok-Abc123xyz", "bot987654321", "Pw-from-env-77"):
        assert secret not in out
    assert out.startswith("odd message quoting")


def test_plain_messages_are_untouched():
    for text in ('password authentication failed for user "etl_writer"',
                 'connection to server at "localhost" (::1), port 5432 failed',
                 "http://localhost:8050/vendas?regiao=SE", "run 12 failed at fact_vendas"):
        assert redact(text) == text


def test_structures_are_redacted_deeply():
    event = {"event": "x", "error": f"postgresql://etl:{SECRET}@h/db", "nested": [{"dsn": f"password={SECRET}"}]}
    assert SECRET not in str(redact_obj(event))
    assert redact_obj(event)["event"] == "x"
