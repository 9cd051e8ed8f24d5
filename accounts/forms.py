from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm

from twitterclone.limits import limit_login

from .models import Privacy


class LoginForm(AuthenticationForm):
    """Django's login form, counting every attempt in the limits POST /auth/token uses."""

    def clean(self):
        # Before the password is checked: a locked account must not confirm a right guess.
        limit_login(self.request, username=self.data.get("username"))
        return super().clean()


class SignupForm(forms.Form):
    """Parse sign-up fields; accounts.services.user_register checks every rule."""

    username = forms.CharField(
        max_length=50,
        help_text="Letters, digits and underscores.",
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    display_name = forms.CharField(max_length=100, required=False)
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), strip=False
    )


class ProfileForm(forms.Form):
    """Parse the settings page; accounts.services and social.services check every rule."""

    display_name = forms.CharField(label="Display name", required=False)
    bio = forms.CharField(label="Bio", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    profile_image_url = forms.CharField(
        label="Avatar URL",
        required=False,
        widget=forms.URLInput(attrs={"placeholder": "https://…"}),
    )
    # A plain text value: privacy_set decides what is valid and says so.
    privacy = forms.CharField(
        label="Privacy",
        widget=forms.Select(
            choices=[
                (Privacy.PUBLIC, "Public: anyone can see your tweets"),
                (Privacy.PROTECTED, "Protected: approved followers see your tweets"),
                (Privacy.PRIVATE, "Private: only approved followers see your profile"),
            ]
        ),
    )


class ProfileImagesForm(forms.Form):
    """Upload an avatar (cropped square) or a header (cropped 3:1), or remove one."""

    avatar = forms.FileField(
        label="Profile picture",
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
        help_text="Cropped to a square from the middle. JPEG, PNG, WebP or GIF, up to 10 MB.",
    )
    header = forms.FileField(
        label="Header image",
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
        help_text="Cropped to 3:1 from the middle.",
    )
    remove_avatar = forms.BooleanField(label="Remove the profile picture", required=False)
    remove_header = forms.BooleanField(label="Remove the header image", required=False)


class PasswordForm(PasswordChangeForm):
    """Django's password change form, without grabbing focus on a page that has other forms."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].widget.attrs.pop("autofocus", None)
