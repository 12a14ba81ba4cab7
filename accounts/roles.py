"""The editorial roles, as Django groups, and the permissions each one holds.

A data migration creates the groups from `ROLE_PERMISSIONS`; the rules that use these
permissions on a given post live in `blog.permissions`.
"""

CONTRIBUTOR = "Contributor"
AUTHOR = "Author"
EDITOR = "Editor"

_WRITE_OWN = [
    "blog.view_post",
    "blog.add_post",
    "blog.change_post",
    "blog.delete_post",
    "blog.view_category",
    "blog.view_tag",
]

# Pages (pages.Page, a proxy of blog.Post): the page admin asks for these; which page a
# user may change or publish follows the posts' rules (blog.permissions).
_PAGES = ["pages.view_page", "pages.add_page", "pages.change_page", "pages.delete_page"]

# Comments (comments/): moderating the comments on the posts one may change
# (comments.permissions), their log, and one's own comment mail.
_MODERATE_COMMENTS = [
    "comments.view_comment",
    "comments.change_comment",
    "comments.view_moderationaction",
    "comments.view_authorpreference",
    "comments.change_authorpreference",
]
# Editors manage members and newsletters. Issues and deliveries are the record of what was
# sent (at most once per member): seen, never changed or deleted by hand.
_MEMBERS = [
    *(f"members.{verb}_member" for verb in ("view", "add", "change", "delete")),
    *(f"newsletters.{verb}_newsletter" for verb in ("view", "add", "change", "delete")),
    *(f"newsletters.{verb}_subscription" for verb in ("view", "add", "change", "delete")),
    "newsletters.view_issue",
    "newsletters.view_delivery",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    # Writes and edits own drafts; cannot publish.
    CONTRIBUTOR: _WRITE_OWN,
    # Also publishes and schedules own posts; writes and publishes own pages.
    AUTHOR: [*_WRITE_OWN, "blog.publish_post", *_PAGES, *_MODERATE_COMMENTS],
    # Publishes, schedules and edits any post and page; manages categories and tags.
    EDITOR: [
        *_WRITE_OWN,
        *_PAGES,
        "blog.publish_post",
        "blog.edit_any_post",
        "blog.add_category",
        "blog.change_category",
        "blog.delete_category",
        "blog.add_tag",
        "blog.change_tag",
        "blog.delete_tag",
        "blog.view_report",
        # Integration keys (accounts.integration_keys): made and revoked, never deleted.
        "accounts.view_integrationkey",
        "accounts.add_integrationkey",
        "accounts.change_integrationkey",
        # Embeds (embeds/): what was fetched for each link, and "Fetch again".
        "embeds.view_embed",
        "embeds.change_embed",
        # The site's name, look and menus (sitesettings).
        "sitesettings.view_sitesettings",
        "sitesettings.change_sitesettings",
        # Comments: every comment, the site's comment settings, blocklist and bans.
        *_MODERATE_COMMENTS,
        "comments.view_commentpolicy",
        "comments.change_commentpolicy",
        "comments.view_blockedterm",
        "comments.add_blockedterm",
        "comments.change_blockedterm",
        "comments.delete_blockedterm",
        "comments.view_commentban",
        "comments.add_commentban",
        "comments.change_commentban",
        "comments.delete_commentban",
        # Members and newsletters (issue 31): the member list, import and export, the API.
        *_MEMBERS,
    ],
}


def ensure_roles(using: str = "default", apps=None, app_config=None, **kwargs) -> None:
    """Create the role groups with their permissions; adds what is missing, removes nothing.

    Connected to `post_migrate` (accounts/apps.py), where it acts once per `migrate`: for
    the last installed app, when auth has made every app's permissions. So the groups
    come back after a test-database flush (which empties the tables the data migration
    filled). A handful of queries: it runs after every `migrate` and every flush of a
    transactional test.
    """
    from django.apps import apps as installed
    from django.db import router

    if app_config is not None:
        last = [config for config in installed.get_app_configs() if config.models_module][-1]
        if app_config.label != last.label:
            return
    try:  # the models as migrated so far, as Django's own post_migrate receivers do
        group_model = (apps or installed).get_model("auth", "Group")
        permission_model = (apps or installed).get_model("auth", "Permission")
    except LookupError:  # `migrate` stopped before auth's tables
        return
    if not router.allow_migrate_model(using, group_model):
        return
    wanted = {perm for perms in ROLE_PERMISSIONS.values() for perm in perms}
    found = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in permission_model.objects.using(using)
        .filter(codename__in={perm.split(".")[1] for perm in wanted})
        .values_list("pk", "content_type__app_label", "codename")
    }
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.using(using).get_or_create(name=role)
        group.permissions.add(*(found[perm] for perm in perms if perm in found))


ROLES = [CONTRIBUTOR, AUTHOR, EDITOR]


def role_of(user) -> str:
    """The user's editorial role ("" for none): the highest of the role groups they are in."""
    names = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
    return next((role for role in reversed(ROLES) if role in names), "")


def set_role(user, role: str) -> None:
    """Put `user` in exactly the group of `role` ("" for none); staff access follows it.

    Superusers keep their staff access whatever their role.
    """
    from django.contrib.auth.models import Group

    user.groups.remove(*Group.objects.filter(name__in=ROLES))
    if role:
        user.groups.add(Group.objects.get(name=role))
    user.is_staff = bool(role) or user.is_superuser
    user.save(update_fields=["is_staff"])


def is_editor(user) -> bool:
    """May `user` edit every post (the Editor role, or a superuser)?"""
    return bool(user.is_authenticated and user.is_active and user.has_perm("blog.edit_any_post"))


def can_manage_writers(user) -> bool:
    """May `user` invite writers and change their roles? Editors and superusers."""
    return bool(user.is_authenticated and user.is_active and (user.is_superuser or is_editor(user)))


def can_edit_profile(user, target) -> bool:
    """May `user` change the public profile (names, bio) of `target`?

    Every staff user edits their own; editors edit anyone else's but a superuser's.
    Roles, flags and passwords are not part of a profile (`accounts.forms.ProfileForm`);
    setting a password is refused to editors (`UserAdmin.user_change_password`).
    """
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    if target.pk == user.pk or user.is_superuser:
        return True
    return can_manage_writers(user) and not target.is_superuser
