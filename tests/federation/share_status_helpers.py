"""Run inside a node (`liaison shell -c`) for tests/federation/test_share_status.py.

No pytest here: a node process imports this module by name.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice

from liaison.accounts.models import Agency, User


def web_user(username: str, password: str) -> None:
    """A liaison officer of this node who signs in on the pages: password and TOTP key."""
    user, _ = User.objects.get_or_create(
        username=username, defaults={"agency": Agency.objects.get(node_id=settings.NODE_ID)}
    )
    user.set_password(password)
    user.save()
    user.groups.set([Group.objects.get(name="liaison_officer")])
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="phone", confirmed=True)
    print(json.dumps({"key": device.key}))
