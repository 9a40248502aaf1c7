from evals.study_cards.measure import main

main()
