from django import forms

from media.services import MAX_MEDIA_PER_TWEET

from .models import MAX_CONTENT_LENGTH

IMAGE_SLOTS = range(1, MAX_MEDIA_PER_TWEET + 1)
IMAGE_TYPES = "image/jpeg,image/png,image/webp,image/gif"


class TweetForm(forms.Form):
    """Compose box: the text, an optional image URL, images, and what it answers or quotes.

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
    sensitive = forms.BooleanField(label="Mark images as sensitive", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # One file and one description per image: works as a plain multipart form without
        # JavaScript; static/js/compose-media.js only fills these slots from a picker.
        for slot in IMAGE_SLOTS:
            self.fields[f"image_{slot}"] = forms.FileField(
                label=f"Image {slot}",
                required=False,
                widget=forms.FileInput(attrs={"accept": IMAGE_TYPES}),
            )
            self.fields[f"alt_{slot}"] = forms.CharField(
                label=f"Description of image {slot} (alt text)",
                required=False,
                strip=False,
                # No maxlength, as for the text above; the service says 1,500 characters.
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def image_slots(self) -> list[tuple]:
        """Return (file field, alt field) pairs for the template, in slot order."""
        return [(self[f"image_{slot}"], self[f"alt_{slot}"]) for slot in IMAGE_SLOTS]

    def images(self) -> list[tuple[str, object, str]]:
        """Return (slot field name, file, alt text) of each chosen image, in slot order."""
        data = self.cleaned_data
        return [
            (f"image_{slot}", data[f"image_{slot}"], data.get(f"alt_{slot}") or "")
            for slot in IMAGE_SLOTS
            if data.get(f"image_{slot}")
        ]

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
            "sensitive": bool(data.get("sensitive")),
        }


class ReportForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        strip=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "What is wrong with this tweet?"}),
    )
