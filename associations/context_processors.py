from .selectors import memberships_across_associations


def association(request):
    """The active förbund and the user's other förbund, for the navigation bar."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "association": getattr(request, "association", None),
        "membership": getattr(request, "membership", None),
        "user_memberships": lambda: memberships_across_associations(user=user),
    }
