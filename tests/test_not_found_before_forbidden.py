"""Another förbund's id is a 404 for every role and every method, never a 403 or 405.

``test_access_matrix`` checks this for the kansli; here every other role puts another
förbund's object id into its own förbund's URL (``AssociationPermissionMixin``).
"""

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from tests.access_matrix import TENANT_URLS
from tests.test_access_matrix import url_kwargs

WITH_OBJECT = sorted(name for name, (factory, _) in TENANT_URLS.items() if factory is not None)


@pytest.mark.parametrize("name", WITH_OBJECT)
def test_another_associations_id_is_404_for_every_role(
    name, client, association, other_association, members
):
    factory, _ = TENANT_URLS[name]
    with scopes_disabled():
        foreign = url_kwargs(name, factory(other_association))
    url = reverse(name, kwargs={"association_slug": association.slug, **foreign})
    got = {}
    for role in ("styrelse", "projektledare", "revisor"):
        client.force_login(members[role])
        got[role] = (client.get(url).status_code, client.post(url, {}).status_code)
    assert got == dict.fromkeys(got, (404, 404)), url
