$TCPTUNE -V | grep -c -e "^tcptune [0-9]" -e "^data directory: /" -e "^help pages: " -e "^knowledge: "
