"""The Discord commands, one cog per concern (questions, treaties, admin, settings, feedback,
errors); each only reads its options, checks who may run it, and hands over to bot.core."""
