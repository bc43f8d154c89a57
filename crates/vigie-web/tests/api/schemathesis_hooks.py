"""Vigie's own check for schemathesis: every refusal names a code its operation documents.

Each error answer of Vigie's OpenAPI document lists the problem codes it may carry in its
description, in backticks (`not_found`). A problem document whose `code` is not listed for its
status and operation fails. For a request the schema says is valid, the field codes of a 422
must be listed too: a refusal the schema could have expressed (`required`, `blank`, `too_long`)
means the schema does not describe what the server requires.
"""

import re

import schemathesis

BACKTICKED = re.compile(r"`([a-z0-9_.\[\]:]+)`")
INDEX = re.compile(r"\[\d+\]")


def documented_codes(case, status):
    responses = case.operation.definition.raw.get("responses", {})
    response = responses.get(str(status)) or responses.get("default") or {}
    return set(BACKTICKED.findall(response.get("description", "")))


def is_positive(case):
    meta = getattr(case, "meta", None)
    try:
        return bool(meta and meta.generation.mode.is_positive)
    except AttributeError:
        return False


@schemathesis.check
def documented_problem_code(ctx, response, case):
    """A problem document's code, and a valid request's field codes, are documented."""
    if response.status_code < 400 or response.status_code == 405:
        # 405 answers a method the path does not take: `unsupported_method` and
        # `allow_header_conformance` check those.
        return True
    content_type = response.headers.get("content-type", [""])
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    if not content_type.startswith("application/problem+json"):
        # content_type_conformance reports an undocumented media type.
        return True
    try:
        problem = response.json()
    except Exception as e:  # noqa: BLE001 - any parse failure is the failure reported
        raise AssertionError(f"a problem document that is not JSON: {e}") from e
    codes = documented_codes(case, response.status_code)
    code = problem.get("code")
    if code not in codes:
        raise AssertionError(
            f"{response.status_code} with problem code `{code}`, which {case.operation.label} does not "
            f"document for {response.status_code} (documented: {sorted(codes)}): {problem.get('detail')}"
        )
    if is_positive(case) and response.status_code == 422:
        undocumented = [
            f"{e.get('field')}: {e.get('code')}"
            for e in problem.get("errors", [])
            if e.get("code") not in codes
            and f"{INDEX.sub('[]', e.get('field') or '')}:{e.get('code')}" not in codes
        ]
        if undocumented:
            raise AssertionError(
                "a request valid by the schema was refused for rules the schema does not state: "
                + "; ".join(undocumented)
            )
    return True
