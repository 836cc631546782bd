from cinv.cli import main

main()
