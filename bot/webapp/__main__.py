from bot.webapp.app import main

main()
