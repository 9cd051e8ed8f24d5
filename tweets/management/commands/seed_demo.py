"""Seed a small demo world through the services, so it obeys every rule the app enforces."""

import io
import os
import random

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from PIL import Image, ImageDraw

from accounts.models import Privacy, User
from accounts.services import user_register, user_set_verified, user_update_profile
from media import services as media_services
from media.models import Use
from social.services import follow_create, privacy_set
from tweets.services import like_create, retweet_create, tweet_create, tweet_create_with_images

DEMO_PASSWORD = "demo-password-123"
ADMIN_USERNAME = "admin"
NAMES = [
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
    "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter",
    "yvonne", "zoe", "arthur", "beatrice", "cedric", "delia", "edgar", "fiona", "gustav",
    "hana", "igor",
]  # fmt: skip
PROTECTED = {"dave", "heidi", "sybil"}
PRIVATE = {"erin", "mallory"}
VERIFIED = {"alice", "grace", "olivia"}
TOPICS = ["django", "postgres", "python", "htmx", "coffee", "running", "music", "databases"]
LINES = [
    "Just shipped a new feature, feels good",
    "Reading about query plans again",
    "Who else is up this early?",
    "Index all the things (but measure first)",
    "Hot take: boring technology wins",
    "Morning run done, now coffee",
    "This playlist is carrying my whole afternoon",
    "Keyset pagination > OFFSET, fight me",
    "Weekend project: a tiny Twitter clone",
    "Postgres arrays plus GIN indexes are underrated",
]


class Command(BaseCommand):
    help = "Create a demo world (users, follows, requests, tweets, likes, retweets) and an admin."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=42)
        # `make run HOST= PORT=` passes the address it serves, so the printed link works.
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")

    def handle(self, *args, seed: int, base_url: str, **options):
        admin_password = os.environ.get("DEMO_ADMIN_PASSWORD", "admin-demo-password")
        if not User.objects.filter_username(ADMIN_USERNAME).exists():
            User.objects.create_superuser(ADMIN_USERNAME, "admin@example.com", admin_password)
        if User.objects.filter_username(NAMES[0]).exists():
            self.stdout.write("Demo world already there; nothing to do.")
        else:
            with transaction.atomic():
                self._seed(random.Random(seed))
        # Its own step, so a world seeded before uploads existed gets its pictures once.
        alice = User.objects.filter_username(NAMES[0]).first()
        if alice is not None and not alice.avatar_file:
            with transaction.atomic():
                self._seed_media(random.Random(seed))
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready. Log in at {base_url}/login/ as any of "
                f"{', '.join(NAMES[:3])}, ... with password '{DEMO_PASSWORD}'; "
                f"admin at /admin/ as '{ADMIN_USERNAME}' / '{admin_password}'."
            )
        )

    def _seed(self, rng: random.Random) -> None:
        users = {}
        for name in NAMES:
            users[name] = user_register(
                username=name,
                email=f"{name}@example.com",
                password=DEMO_PASSWORD,
                display_name=name.capitalize(),
            )
            user_update_profile(user=users[name], bio=f"Hi, I'm {name.capitalize()}.")
            if name in VERIFIED:
                user_set_verified(user=users[name], verified=True)
        for name in PROTECTED:
            privacy_set(user=users[name], privacy=Privacy.PROTECTED)
        for name in PRIVATE:
            privacy_set(user=users[name], privacy=Privacy.PRIVATE)

        people = list(users.values())
        for user in people:
            for other in rng.sample(people, 8):
                if other.pk != user.pk:
                    follow_create(follower=user, followee=other)  # requests for non-public

        tweets = []
        for _ in range(120):
            author = rng.choice(people)
            tags = " ".join(f"#{tag}" for tag in rng.sample(TOPICS, rng.randint(0, 2)))
            mention = f" @{rng.choice(NAMES)}" if rng.random() < 0.3 else ""
            content = f"{rng.choice(LINES)}{mention} {tags}".strip()
            reply_to = rng.choice(tweets) if tweets and rng.random() < 0.25 else None
            try:
                tweets.append(
                    tweet_create(
                        author=author,
                        content=content,
                        reply_to_id=reply_to.pk if reply_to else None,
                    )
                )
            except ValidationError:
                continue  # the author may not see that tweet (privacy); skip the reply
        for user in people:
            for tweet in rng.sample(tweets, 10):
                for action in (
                    (like_create, retweet_create) if rng.random() < 0.2 else (like_create,)
                ):
                    try:
                        action(user=user, tweet_id=tweet.pk)
                    except (ValidationError, type(tweet).DoesNotExist):
                        continue  # not visible to this user, or not retweetable
        public = [t for t in tweets if t.user.privacy == Privacy.PUBLIC]
        tweet_create(author=users["bob"], content="So true!", quote_of_id=public[0].pk)

    def _seed_media(self, rng: random.Random) -> None:
        """Give some demo users avatars and headers, and post a few tweets with pictures."""
        users = {user.username: user for user in User.objects.filter(username__in=NAMES)}
        for index, name in enumerate(NAMES[:12]):
            user = users[name]
            avatar = _drawing(rng, (256, 256), seed=index)
            media_services.profile_image_upload(user=user, file=avatar, use=Use.AVATAR)
            if index < 4:
                header = _drawing(rng, (1200, 400), seed=index + 100)
                media_services.profile_image_upload(user=user, file=header, use=Use.HEADER)
        captions = [
            ("Sunset from the office window", "An orange sun low over blue hills"),
            ("Weekend hike, worth every step", "Layered mountains under a pale sky"),
            ("New desk setup", "A flat illustration of coloured shapes on a desk"),
            ("Two views of the same lake", "A calm lake at dusk"),
        ]
        for number, (text, alt) in enumerate(captions):
            author = users[rng.choice(["alice", "bob", "carol", "grace"])]
            count = 2 if number == 3 else 1
            images = [
                (
                    media_services.upload_process(
                        file=_drawing(rng, rng.choice([(1200, 800), (800, 1000)]), seed=n)
                    ),
                    alt if count == 1 else f"{alt}, picture {n - number * 10 + 1}",
                )
                for n in range(number * 10, number * 10 + count)
            ]
            tweet_create_with_images(author=author, images=images, content=f"{text} #photos")


def _drawing(rng: random.Random, size: tuple[int, int], *, seed: int) -> ContentFile:
    """Return a JPEG landscape drawn with Pillow: a sky, a sun and layered hills."""
    width, height = size
    hue = (seed * 47) % 360
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        shade = y / height
        draw.line(
            [(0, y), (width, y)],
            fill=(int(40 + 180 * shade), int(90 + 80 * shade), int(200 - 60 * shade)),
        )
    radius = min(width, height) // 8
    sun_x, sun_y = rng.randint(radius, width - radius), rng.randint(radius, height // 2)
    draw.ellipse(
        (sun_x - radius, sun_y - radius, sun_x + radius, sun_y + radius), fill=(250, 200, 60)
    )
    for layer in range(3):
        base = height * (0.55 + 0.15 * layer)
        points = [(0, height)]
        for x in range(0, width + 80, 80):
            points.append((x, base - rng.randint(0, int(height * 0.2))))
        points.append((width, height))
        tone = 60 + 40 * layer
        draw.polygon(points, fill=((hue + tone) % 256, 80 + 30 * layer, 90 + 20 * layer))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return ContentFile(out.getvalue(), name="demo.jpg")
