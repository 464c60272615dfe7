from dramatrack_cli.main import app

app(prog_name="dramatrack")
