#pragma once
/// @file welcome_page.h
/// Shown in the centre while no model is open: what Slimbench does and how to start.

#include <QWidget>

class QLabel;
class QPushButton;

namespace slim::app {

class WelcomePage : public QWidget {
    Q_OBJECT
public:
    explicit WelcomePage(QWidget* parent = nullptr);

signals:
    void openFolderRequested();
    void openDemoRequested();

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslate();
    QLabel* m_title = nullptr;
    QLabel* m_text = nullptr;
    QPushButton* m_openButton = nullptr;
    QPushButton* m_demoButton = nullptr;
};

} // namespace slim::app
