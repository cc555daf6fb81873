"""Remove passwords and tokens from text before it leaves the process.

Every boundary calls `redact` (or `redact_obj` for structures): operator messages on
stderr, log events (a structlog processor), audit columns and alert payloads. It
works on any text, well-formed or not:

- the configured secrets themselves, wherever they appear: HARNESS_<ROLE>_PASSWORD,
  PGPASSWORD, the password of WAREHOUSE_URL/OLTP_URL and the tokens of
  HARNESS_ALERT_URLS (read leniently, so a malformed URL's password is still known);
- the password of any URL's userinfo (`scheme://user:secret@host`), also when the
  URL is malformed (an unclosed `[`, an unescaped `%` or `@` in the password, no host);
- `password=...` style keywords (libpq conninfo strings, JSON, environment dumps);
- query parameters that carry credentials (`?token=`, `&apikey=`, ...);
- the path of notification URLs whose path is the credential (Slack, Discord, Teams,
  Telegram... webhooks), and long token-like path segments of any URL.

Values shorter than MIN_SECRET_LENGTH are not searched for as literals (they would
mask common words); the patterns still mask them in their usual places.
"""

from __future__ import annotations

import os
import re
from urllib.parse import unquote

MASK = "****"
MIN_SECRET_LENGTH = 4

_URL = re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.-]*)://([^\s\"'<>`]*)")
_SECRET_WORD = r"[\w.-]*(?:password|passwd|pwd|secret|token|apikey|api_key|api-key|access_key)"
# key=value and "key": "value" forms; values quoted (libpq '...', JSON "...") or bare
_ASSIGNMENT = re.compile(
    rf"""(?ix)
    (?P<key>["']?{_SECRET_WORD}["']?\s*(?:=|:)\s*)
    (?P<value>'(?:\\.|[^'\\])*'?|"(?:\\.|[^"\\])*"?|[^\s,;&}}\]]+)""")
_QUERY_KEYS = re.compile(
    r"(?i)^(?:password|passwd|pwd|pass|secret|client_secret|token|access_token|auth_token|refresh_token|"
    r"apikey|api_key|api-key|key|appkey|app_key|sig|signature|auth|authorization|webhook|code|session)$")
# apprise schemes whose path (or user part) is the credential itself
_TOKEN_SCHEMES = {
    "slack", "discord", "msteams", "tgram", "pover", "pushover", "pbul", "gotify", "gotifys", "ntfy", "ntfys",
    "matrix", "matrixs", "mmost", "mmosts", "rocket", "rockets", "zulip", "gchat", "twist", "flock", "signal",
    "signals", "ifttt", "join", "line", "kumulos", "opsgenie", "pagerduty", "pagertree", "pushbullet",
    "pushed", "pushjet", "pushjets", "pushsafer", "pushsafers", "revolt", "ryver", "sendgrid", "simplepush",
    "spush", "splunk", "spike", "streamlabs", "techulus", "threema", "twilio", "vonage", "nexmo", "webex",
    "wxteams", "whatsapp", "workflows", "wxpusher", "lark", "feishu", "dingtalk", "wecombot", "bark", "barks",
    "apprise", "apprises", "notica", "notifico", "office365", "o365", "azure", "ses", "sns", "mailgun",
    "sparkpost", "resend", "brevo", "smtp2go", "bulksms", "bulkvs", "clicksend", "d7sms", "kavenegar",
    "messagebird", "msg91", "plivo", "popcorn", "seven", "sinch", "smseagle", "smsmgr", "voipms", "hassio",
    "hassios", "lametric", "guilded", "fcm", "reddit", "twitter", "tweet", "x", "mastodon", "toot", "misskey",
    "bluesky", "psafer", "psafers", "pjet", "pjets", "prowl", "parsep", "parseps", "rsyslog", "syslog",
}
# https hosts whose URL path is the credential (webhook URLs handed out by the service)
_TOKEN_HOSTS = re.compile(
    r"(?i)^(?:hooks\.slack\.com|(?:[\w-]+\.)?discord(?:app)?\.com|[\w-]+\.webhook\.office\.com|"
    r"outlook\.office(?:365)?\.com|api\.telegram\.org|chat\.googleapis\.com|[\w-]+\.logic\.azure\.com)$")
_TOKEN_SEGMENT = re.compile(r"^(?=[A-Za-z0-9_.~+=-]*\d)(?=[A-Za-z0-9_.~+=-]*[A-Za-z])[A-Za-z0-9_.~+=-]{20,}$")


def _mask_query(query: str) -> str:
    parts = []
    for part in re.split(r"([&;])", query):
        key, sep, value = part.partition("=")
        if sep and value and _QUERY_KEYS.match(unquote(key)):
            part = f"{key}={MASK}"
        parts.append(part)
    return "".join(parts)


def _mask_path(path: str) -> str:
    return "/".join(MASK if _TOKEN_SEGMENT.match(seg) else seg for seg in path.split("/"))


def _split_userinfo(rest: str) -> tuple[str | None, str]:
    """(userinfo or None, what follows it) of the part of a URL after `scheme://`, tolerant of
    passwords holding '/', '?', '#', '@' or '%' unescaped."""
    end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    authority = rest[:end]
    if "@" in authority:
        at = authority.rfind("@")
        return authority[:at], rest[at + 1:]
    colon = authority.find(":")
    if colon >= 0 and not authority.startswith("["):
        after = authority[colon + 1:]
        if after and not re.fullmatch(r"\d+(?:,[^,]*)*", after) or (not after and end < len(rest)):
            # `user:` followed by something that is not a port: a password holding '/', '?' or '#'
            at = rest.find("@", colon)
            if at >= 0:
                return rest[:at], rest[at + 1:]
            return rest, ""  # `scheme://user:secret` cut short: no host at all
    return None, rest


def _redact_url(match: re.Match) -> str:
    scheme, rest = match.group(1), match.group(2)
    lower = scheme.lower()
    if lower in _TOKEN_SCHEMES:
        return f"{scheme}://{MASK}"
    userinfo, tail = _split_userinfo(rest)
    if userinfo is not None:
        user, colon, _ = userinfo.partition(":")
        prefix = f"{user}:{MASK}@" if colon else f"{userinfo}@"
        if not tail and colon and "@" not in rest:
            prefix = f"{user}:{MASK}"
    else:
        prefix = ""
    host, slash, path = tail.partition("/")
    query = ""
    if "?" in (path if slash else host):
        if slash:
            path, _, query = path.partition("?")
        else:
            host, _, query = host.partition("?")
    fragment_split = query.partition("#") if query else ("", "", "")
    if lower in ("http", "https") and _TOKEN_HOSTS.match(host.split(":")[0]) and path:
        path = MASK
    else:
        path = _mask_path(path)
    rebuilt = f"{scheme}://{prefix}{host}{slash}{path}"
    if query:
        rebuilt += "?" + _mask_query(fragment_split[0]) + fragment_split[1] + fragment_split[2]
    return rebuilt


def _lenient_url_secrets(url: str) -> set[str]:
    """The password and token-like parts of one URL or conninfo string, even malformed."""
    found: set[str] = set()
    for m in _URL.finditer(url):
        scheme, rest = m.group(1).lower(), m.group(2)
        userinfo, tail = _split_userinfo(rest)
        if userinfo and ":" in userinfo:
            found.add(userinfo.split(":", 1)[1])
        elif userinfo and scheme in _TOKEN_SCHEMES:
            found.add(userinfo)
        path_and_query = tail.split("/", 1)[1] if "/" in tail else ""
        path, _, query = path_and_query.partition("?")
        if scheme in _TOKEN_SCHEMES:
            # tokens, not channel names such as #ops or chat ids such as "alerts"
            found.update(seg for seg in path.split("/") if len(seg) >= 8 and not seg.startswith("#"))
            host = tail.split("/", 1)[0].split("?", 1)[0]
            if len(host) >= 8:
                found.add(host)
        else:
            found.update(seg for seg in path.split("/") if _TOKEN_SEGMENT.match(seg))
        for part in re.split(r"[&;]", query):
            key, sep, value = part.partition("=")
            if sep and _QUERY_KEYS.match(unquote(key)):
                found.add(value)
    for m in _ASSIGNMENT.finditer(url):
        found.add(m.group("value").strip("'\""))
    return found


_cache: tuple[tuple, tuple[str, ...]] | None = None


def known_secrets() -> tuple[str, ...]:
    """The secrets of this process's configuration, longest first (literal search)."""
    global _cache
    env = os.environ
    names = [n for n in env if n.endswith("_PASSWORD") or n in ("PGPASSWORD", "WAREHOUSE_URL", "OLTP_URL",
                                                                  "HARNESS_ALERT_URLS", "DATABASE_URL")]
    key = tuple(sorted((n, env[n]) for n in names))
    if _cache is not None and _cache[0] == key:
        return _cache[1]
    found: set[str] = set()
    for name, value in key:
        if name.endswith("PASSWORD"):
            found.add(value)
        else:
            for word in value.split():
                found |= _lenient_url_secrets(word)
    expanded = set()
    for value in found:
        value = value.strip()
        for form in (value, unquote(value)):
            if len(form) >= MIN_SECRET_LENGTH:
                expanded.add(form)
    secrets = tuple(sorted(expanded, key=len, reverse=True))
    _cache = (key, secrets)
    return secrets


def redact(text: object) -> str:
    """`text` as a string with every password and token replaced by ****."""
    if text is None:
        return ""
    out = text if isinstance(text, str) else str(text)
    out = _URL.sub(_redact_url, out)
    out = _ASSIGNMENT.sub(lambda m: m.group("key") + MASK, out)
    for secret in known_secrets():  # last: the patterns above need the text as it was
        if secret in out:
            out = out.replace(secret, MASK)
    return out


def redact_obj(obj):
    """A copy of a JSON-like structure with every string redacted (keys included)."""
    if isinstance(obj, str):
        return redact(obj)
    if isinstance(obj, dict):
        return {redact_obj(k): redact_obj(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(redact_obj(v) for v in obj)
    if isinstance(obj, (set, frozenset)):
        return [redact_obj(v) for v in obj]
    return obj
