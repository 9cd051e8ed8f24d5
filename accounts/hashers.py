from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idOwaspHasher(Argon2PasswordHasher):
    """Argon2id at the OWASP minimum (m=19 MiB, t=2, p=1): about 18 ms, not Django's 144 ms.

    The algorithm name stays "argon2" so hashes are interchangeable with Django's hasher;
    a hash with other parameters is upgraded on the next login by `must_update`.
    """

    time_cost = 2
    memory_cost = 19 * 1024
    parallelism = 1
