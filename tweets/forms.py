from django import forms

from .models import MAX_CONTENT_LENGTH


class TweetForm(forms.Form):
    """Compose box: the text, an optional image URL, and what it answers or quotes.

    The service checks every rule (length, blank, media, reply and quote targets); the form
    only parses. No maxlength attribute: browsers count UTF-16 units and line breaks as two,
    the service counts characters, and the counter script shows the service's count.
    """

    content = forms.CharField(
        label="What's happening?",
        strip=False,
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "placeholder": "What's happening?",
                "data-counter": "compose-counter",
                "data-max": MAX_CONTENT_LENGTH,
            }
        ),
    )
    media_url = forms.CharField(
        label="Image URL",
        required=False,
        strip=True,
        widget=forms.URLInput(attrs={"placeholder": "https://… (optional)"}),
    )
    reply_to_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    quote_of_id = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean_content(self) -> str:
        # Browsers send a textarea's line breaks as CRLF; one typed break is one character.
        return self.cleaned_data["content"].replace("\r\n", "\n")

    def service_kwargs(self) -> dict:
        """Return the cleaned data as tweets.services.tweet_create's keyword arguments."""
        data = self.cleaned_data
        return {
            "content": data["content"],
            "media_urls": [data["media_url"]] if data.get("media_url") else [],
            "reply_to_id": data.get("reply_to_id"),
            "quote_of_id": data.get("quote_of_id"),
        }


class ReportForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        strip=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "What is wrong with this tweet?"}),
    )
