"""The README's first session, through a client generated from the OpenAPI document.

Run by `tests/api/openapi.rs` as `python client_walk.py BASE_URL ADMIN_TOKEN`, with the package
`vigie_client` (made by openapi-python-client) on PYTHONPATH. Each step goes through the typed
client: requests are built from its models, answers parsed into its models, and a status the
document does not give for the operation raises (`raise_on_unexpected_status`). Prints one line a
step, and exits non-zero at the first that fails.
"""

import sys

from vigie_client import AuthenticatedClient, Client
from vigie_client.api.admin import approve_host, create_org, create_user, issue_token
from vigie_client.api.intake import submit_notice, track_notice
from vigie_client.api.platform import acknowledge, claim_host, decide, get_case, inbox
from vigie_client.models import (
    CaseDetailDto,
    CaseDto,
    DecisionDto,
    DecisionRequest,
    HostClaimRequest,
    InboxDto,
    NewOrgRequest,
    NewTokenRequest,
    NewUserRequest,
    NoticeRequest,
    OrgDto,
    ReceiptDto,
    TokenDto,
    UserDto,
)


def expect(response, status, model):
    """The answer has `status` and parses as `model`; returns the parsed answer."""
    if response.status_code != status or not isinstance(response.parsed, model):
        sys.exit(
            f"expected {status} {model.__name__}, got {response.status_code}: {response.content[:500]!r}"
        )
    return response.parsed


def main():
    base, admin_token = sys.argv[1], sys.argv[2]
    admin = AuthenticatedClient(base_url=base, token=admin_token, raise_on_unexpected_status=True)
    anonymous = Client(base_url=base, raise_on_unexpected_status=True)

    # A platform, one of its people, and their token.
    org = expect(
        create_org.sync_detailed(
            client=admin,
            body=NewOrgRequest.from_dict(
                {
                    "name": "Tube",
                    "kind": "platform",
                    "main_establishment": "IE",
                    "contact_point": {"email": "tco@tube.example"},
                }
            ),
        ),
        201,
        OrgDto,
    )
    print("organisation", org.id)
    user = expect(
        create_user.sync_detailed(
            org.id,
            client=admin,
            body=NewUserRequest.from_dict({"name": "Moderator", "roles": ["moderator", "integrator"]}),
        ),
        201,
        UserDto,
    )
    print("person", user.id)
    token = expect(issue_token.sync_detailed(user.id, client=admin, body=NewTokenRequest()), 201, TokenDto)
    platform = AuthenticatedClient(base_url=base, token=token.token, raise_on_unexpected_status=True)
    print("token issued", token.id)

    # The platform claims its host; the administrator approves it.
    claim = claim_host.sync_detailed(client=platform, body=HostClaimRequest(host="video.example"))
    if claim.status_code not in (200, 201):
        sys.exit(f"host claim: {claim.status_code} {claim.content[:300]!r}")
    approval = approve_host.sync_detailed("video.example", client=admin)
    if approval.status_code != 200:
        sys.exit(f"host approval: {approval.status_code} {approval.content[:300]!r}")
    print("host approved")

    # Anyone reports, anonymously; the receipt carries a tracking code.
    receipt = expect(
        submit_notice.sync_detailed(
            client=anonymous,
            body=NoticeRequest.from_dict(
                {
                    "explanation": "calls for attacks",
                    "locations": [{"url": "https://video.example/watch?v=1"}],
                    "good_faith": True,
                }
            ),
        ),
        201,
        ReceiptDto,
    )
    code = receipt.tracking_code
    tracked = track_notice.sync_detailed(code, client=anonymous)
    if tracked.status_code != 200:
        sys.exit(f"tracking: {tracked.status_code} {tracked.content[:300]!r}")
    print("notice received", receipt.id)

    # The platform reads its inbox, acknowledges the case and decides it.
    cases = expect(inbox.sync_detailed(client=platform), 200, InboxDto).cases
    if len(cases) != 1:
        sys.exit(f"the inbox holds {len(cases)} cases, not the one reported")
    case = cases[0]
    print("inbox holds", case.id)
    expect(acknowledge.sync_detailed(case.id, client=platform), 200, CaseDto)
    decision = expect(
        decide.sync_detailed(
            case.id,
            client=platform,
            body=DecisionRequest.from_dict(
                {
                    "action": "remove",
                    "explanation": "Calls for attacks.",
                    "legal_basis": "eu.tco.2-7-a",
                    "purpose": "none",
                    "purpose_rationale": "a call to violence, with no journalistic, research or artistic framing",
                }
            ),
        ),
        201,
        DecisionDto,
    )
    print("decided", decision.id)
    after = expect(get_case.sync_detailed(case.id, client=platform), 200, CaseDetailDto)
    if after.state != "decided":
        sys.exit(f"the case reads {after.state!r} after its decision")
    print("walk complete")


if __name__ == "__main__":
    main()
