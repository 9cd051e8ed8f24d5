"""Create the "Moderators" group with exactly the permissions moderation needs."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Moderators"
# (app_label, codename). No user add/delete, nothing on groups or permissions: only
# superusers manage staff. Tweets may be deleted (through the service), never added.
PERMISSIONS = [
    ("accounts", "view_user"),
    ("accounts", "change_user"),
    ("tweets", "view_tweet"),
    ("tweets", "change_tweet"),
    ("tweets", "delete_tweet"),
    ("tweets", "view_report"),
    ("tweets", "change_report"),
    ("moderation", "view_auditlogentry"),
]


def _create_permissions(apps) -> None:
    # On a fresh database the permissions appear only after migrate (post_migrate): make them now.
    for label in ("accounts", "tweets", "moderation"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def create_group(apps, schema_editor) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    _create_permissions(apps)
    group, _ = Group.objects.get_or_create(name=GROUP)
    wanted = [
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
        for app_label, codename in PERMISSIONS
    ]
    group.permissions.set(wanted)


def delete_group(apps, schema_editor) -> None:
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0001_audit_log"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("accounts", "0005_drop_users_celebrity_index"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
