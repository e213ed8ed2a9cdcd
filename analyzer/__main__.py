from svclint._entry import main

main()
