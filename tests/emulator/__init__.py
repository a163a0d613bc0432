from .server import DiscordEmulator, Recorded

__all__ = ["DiscordEmulator", "Recorded"]
