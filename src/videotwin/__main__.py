from videotwin.cli import main

raise SystemExit(main())
