"""Forms of the social pages: they parse; social.services checks every rule."""

from django import forms

FOREVER = "forever"
DURATIONS = [("1", "1 day"), ("7", "7 days"), ("30", "30 days"), (FOREVER, "Forever")]


class MutedWordForm(forms.Form):
    """Parse the add form of /settings/muted-words; muted_word_create checks the phrase."""

    phrase = forms.CharField(
        label="Word, phrase or #hashtag",
        strip=False,
        help_text="Matched as whole words, in any case.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    duration = forms.ChoiceField(label="For", choices=DURATIONS, initial=FOREVER)

    def service_kwargs(self) -> dict:
        """The arguments of social.services.muted_word_create this form's data stands for."""
        duration = self.cleaned_data["duration"]
        return {
            "phrase": self.cleaned_data["phrase"],
            "expires_in_days": None if duration == FOREVER else int(duration),
        }
