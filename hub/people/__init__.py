"""People: staff who sign in through their organisation's identity provider, and the
mapping from the provider's groups to the hub's organizations and roles."""

from hub.people.directory import NotMapped, People, SignIn

__all__ = ["NotMapped", "People", "SignIn"]
