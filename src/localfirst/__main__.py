from localfirst.cli.main import main

raise SystemExit(main())
