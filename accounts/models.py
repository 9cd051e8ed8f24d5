from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Collate, Lower
from django.urls import reverse
from django.utils import timezone

from twitterclone.limits import username_canonical
from twitterclone.storage import media_url


class Privacy(models.TextChoices):
    PUBLIC = "public", "Public"
    PROTECTED = "protected", "Protected"
    PRIVATE = "private", "Private"


class UserManager(BaseUserManager):
    def filter_username(self, username: str) -> models.QuerySet:
        """Match `username` ignoring case (served by idx_users_username_lower)."""
        if "\x00" in username:
            return self.none()  # PostgreSQL refuses NUL in text; no user can have one
        return self.alias(username_lower=Lower("username")).filter(username_lower=username.lower())

    def get_by_natural_key(self, username: str) -> "User":
        """Find the account a typed login name means (the lookup of every login)."""
        # The login rate limit keys on this same canonical form: " vic", "VIC" and a
        # fullwidth "vic" are one account for the lock exactly as for the password check.
        return self.filter_username(username_canonical(username)).get()

    def create_user(self, username: str, email: str, password: str | None = None, **extra):
        """Create a user; kept for Django's auth tooling, the app registers via services."""
        user = self.model(username=username, email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, username: str, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(username, email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person on the network; the seed's `users` table."""

    username = models.CharField(max_length=50)
    email = models.EmailField(max_length=254)
    display_name = models.CharField(max_length=100, blank=True, default="")
    bio = models.TextField(blank=True, default="")
    profile_image_url = models.URLField(max_length=500, blank=True, default="")
    privacy = models.CharField(max_length=10, choices=Privacy.choices, default=Privacy.PUBLIC)
    verified = models.BooleanField(default=False)
    # is_active=False is a suspended account: no login, and hidden from everyone but staff.
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # Denormalised counters, changed by services with F() and rebuilt by `manage.py recount`.
    followers_count = models.IntegerField(default=0)
    following_count = models.IntegerField(default=0)
    tweets_count = models.IntegerField(default=0)
    # Storage names of an uploaded avatar (square) and header (3:1), set by media.services;
    # an uploaded avatar wins over profile_image_url, the letter avatar is the fallback.
    avatar_file = models.CharField(max_length=100, blank=True, default="", db_default="")
    header_file = models.CharField(max_length=100, blank=True, default="", db_default="")

    objects = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        db_table = "users"
        indexes = [
            # Serve user search (search.selectors.users_search): lower(name) COLLATE "C" LIKE
            # 'prefix%' is a range of these, and pages follow the username one in order. The
            # unique lower(username) index cannot: LIKE needs byte order, the default is C.UTF-8.
            models.Index(Collate(Lower("username"), "C"), name="idx_users_username_prefix"),
            models.Index(Collate(Lower("display_name"), "C"), name="idx_users_display_name_prefix"),
        ]
        constraints = [
            # Login, profile URLs and @mention resolution look users up by lower(username).
            models.UniqueConstraint(Lower("username"), name="idx_users_username_lower"),
            # Registration checks e-mail uniqueness case-insensitively.
            models.UniqueConstraint(Lower("email"), name="idx_users_email_lower"),
            models.CheckConstraint(
                condition=models.Q(privacy__in=Privacy.values), name="users_privacy_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(username__regex=r"^[A-Za-z0-9_]{1,50}$"),
                name="users_username_format",
            ),
            models.CheckConstraint(
                condition=models.Q(followers_count__gte=0)
                & models.Q(following_count__gte=0)
                & models.Q(tweets_count__gte=0),
                name="users_counters_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"@{self.username}"

    def get_absolute_url(self) -> str:
        return reverse("profile", kwargs={"username": self.username})

    @property
    def name(self) -> str:
        """Return the display name, or the username when none is set."""
        return self.display_name or self.username

    @property
    def avatar_src(self) -> str:
        """Return the avatar's URL: the uploaded one, else profile_image_url, else ""."""
        return media_url(self.avatar_file) if self.avatar_file else self.profile_image_url

    @property
    def header_src(self) -> str:
        """Return the uploaded header's URL, or ""."""
        return media_url(self.header_file)


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored; the token is shown once."""

    key_hash = models.CharField(max_length=64, primary_key=True)
    # Indexed: revoking every token of a user (password change). Suspension keeps them:
    # authentication refuses an inactive user's token, which works again after unsuspension.
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "api_tokens"

    def __str__(self) -> str:
        return f"token of {self.user_id}"
