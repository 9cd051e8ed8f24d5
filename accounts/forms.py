from django import forms


class SignupForm(forms.Form):
    username = forms.CharField(max_length=50, help_text="Letters, digits and underscores.")
    email = forms.EmailField()
    display_name = forms.CharField(max_length=100, required=False)
    password = forms.CharField(widget=forms.PasswordInput, strip=False)
